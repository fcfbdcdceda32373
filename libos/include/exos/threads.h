// A throughput library OS scheduler: preemptive round-robin user threads. The kernel stops this
// environment at the end of each of its slots and saves the context; at the next slot start the
// library OS files that context with the thread that was running and resumes the next thread.
// Long slots suit it: each slot is one thread's quantum.
#pragma once

#include <abi/shared_info.h>
#include <cstdint>

#include <exos/slice_scheduler.h>

namespace exos {

class RoundRobinThreads final : public SliceScheduler {
public:
    static constexpr int kMaxThreads = 8;
    static constexpr uint64_t kStackBytes = 8192;

    using Body = void (*)(uint64_t argument);
    // Adds a thread; it first runs at some slot start after start().
    bool spawn(Body body, uint64_t argument);
    // Becomes this environment's scheduler and never returns: from now on, slots run threads.
    // If another scheduler has the environment, the runtime says so and it exits
    // (kSchedulerRefusedStatus).
    [[noreturn]] void start();

    uint64_t switches() const { return switches_; }

    uint32_t hooks() const override { return kSliceStart; }
    void slice_start(uint64_t slot, uint64_t end) override;
    const char* name() const override { return "round-robin threads"; }

private:
    struct Thread {
        abi::TrapState context;
        bool live;
    };
    Thread threads_[kMaxThreads] = {};
    alignas(16) char stacks_[kMaxThreads][kStackBytes];
    int count_ = 0;
    int running_ = -1;
    volatile uint64_t switches_ = 0;
};

}  // namespace exos
