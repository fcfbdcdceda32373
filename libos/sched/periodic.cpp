// Rate-monotonic periodic tasks over slot starts (see periodic.h).
#include <exos/periodic.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

namespace exos {
namespace {

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

}  // namespace

bool PeriodicTasks::add(Job job, uint64_t period_ticks) {
    if (count_ == kMaxTasks) return false;
    tasks_[count_++] = {job, period_ticks, 0, 0, 0, 0, 0, 0};
    return true;
}

void PeriodicTasks::start() {
    uint64_t first = now();
    for (int i = 0; i < count_; ++i) tasks_[i].next_release = first;
    if (set_scheduler(*this) != abi::Error::Ok) exit(kSchedulerRefusedStatus);
    for (;;) (void)yield();
}

void PeriodicTasks::slice_start(uint64_t, uint64_t) {
    uint64_t time = now();
    for (int i = 0; i < count_; ++i) {
        Task& task = tasks_[i];
        while (task.next_release <= time) {
            if (task.pending) task.missed = task.missed + 1;  // the previous job never ran
            task.pending = 1;
            task.release_of_pending = task.next_release;
            task.next_release += task.period;
        }
    }
    // Every ready job, highest priority first: each is short enough for one slot.
    for (int i = 0; i < count_; ++i) {
        Task& task = tasks_[i];
        if (!task.pending) continue;
        task.job();
        uint64_t finished = now();
        uint64_t response = finished - task.release_of_pending;
        if (response > task.worst_response) task.worst_response = response;
        if (finished > task.release_of_pending + task.period) {
            task.missed = task.missed + 1;
        } else {
            task.completed = task.completed + 1;
        }
        task.pending = 0;
    }
}

}  // namespace exos
