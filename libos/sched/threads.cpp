// Round-robin threads over slot starts (see threads.h).
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/threads.h>
#include <exos/trap_page.h>
#include <exos/upcalls.h>

namespace exos {
namespace {

[[noreturn]] void thread_exit_trap() {
    // A body returned: this thread is done; give the slot up until the next one.
    for (;;) (void)yield();
}

}  // namespace

bool RoundRobinThreads::spawn(Body body, uint64_t argument) {
    if (count_ == kMaxThreads) return false;
    Thread& thread = threads_[count_];
    thread.context = {};
    thread.context.pc = reinterpret_cast<uint64_t>(body);
    thread.context.registers[1] = reinterpret_cast<uint64_t>(&thread_exit_trap);  // ra
    thread.context.registers[2] = reinterpret_cast<uint64_t>(stacks_[count_] + kStackBytes);
    uint64_t gp;
    asm volatile("mv %0, gp" : "=r"(gp));
    thread.context.registers[3] = gp;  // the image's global pointer
    thread.context.registers[10] = argument;
    thread.live = true;
    ++count_;
    return true;
}

void RoundRobinThreads::start() {
    if (set_scheduler(*this) != abi::Error::Ok) exit(kSchedulerRefusedStatus);
    for (;;) (void)yield();  // the rest of this slot is not a thread's
}

void RoundRobinThreads::slice_start(uint64_t, uint64_t) {
    // The running thread was stopped inside its exception handler (a memory policy resolving
    // its fault): the trap page is busy until the handler resumes it, and another thread's
    // fault meanwhile would end the environment (abi/trap_page.h). Let it finish this slot.
    if (trap_page().busy >= abi::kTrapPageBusyHandlerRuns) return;
    const volatile abi::SharedInfo& info = shared_info();
    // The kernel saved where the running thread was when our last slot ended: file it.
    if (running_ >= 0 && info.preempted_valid) {
        Thread& thread = threads_[running_];
        thread.context.pc = info.preempted.pc;
        for (int i = 1; i < 32; ++i) thread.context.registers[i] = info.preempted.registers[i];
    }
    if (count_ == 0) return;
    running_ = (running_ + 1) % count_;
    switches_ = switches_ + 1;
    (void)syscall(abi::Syscall::ResumeContext,
                  reinterpret_cast<uint64_t>(&threads_[running_].context));
}

}  // namespace exos
