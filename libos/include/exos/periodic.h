// A real-time library OS scheduler: fixed-priority (rate-monotonic) periodic tasks. The
// environment owns short, frequent slots; at each slot start the library OS releases the jobs
// that are due, runs the highest-priority ready job (jobs are short), records whether it met
// its deadline, and gives the rest of the slot up.
#pragma once

#include <cstdint>

#include <exos/slice_scheduler.h>

namespace exos {

class PeriodicTasks final : public SliceScheduler {
public:
    static constexpr int kMaxTasks = 4;
    using Job = void (*)();

    // Tasks in priority order: add the shortest period first.
    bool add(Job job, uint64_t period_ticks);
    // Becomes this environment's scheduler and never returns (as RoundRobinThreads::start).
    [[noreturn]] void start();

    uint32_t hooks() const override { return kSliceStart; }
    void slice_start(uint64_t slot, uint64_t end) override;
    const char* name() const override { return "periodic tasks"; }

    uint64_t completed(int task) const { return tasks_[task].completed; }
    uint64_t missed(int task) const { return tasks_[task].missed; }
    uint64_t worst_response(int task) const { return tasks_[task].worst_response; }

private:
    struct Task {
        Job job;
        uint64_t period;
        uint64_t next_release;
        uint64_t pending;  // released, not yet run
        uint64_t release_of_pending;
        volatile uint64_t completed;
        volatile uint64_t missed;
        volatile uint64_t worst_response;
    };
    Task tasks_[kMaxTasks] = {};
    int count_ = 0;
};

}  // namespace exos
