// Events for environments: the one place the kernel posts an event bit that EventWait can wait
// for (abi::event::kWaitable), so a sleeping environment is woken exactly when one of the bits
// it waits for is posted, and a bit posted while it was not waiting is latched until its next
// EventWait (none is lost between checking a ring and going to sleep).
#pragma once

#include <cstdint>
#include <span>

#include <abi/shared_info.h>
#include <abi/syscall.h>

#include "environments/environment.h"
#include "kernel_state.h"

namespace exo {

// Sets `bits` in the environment's shared info and latches them; wakes it if it waits for one.
// Inline: the disk's completion path posts one per completion.
void wake_environment(Environment& environment);  // cpu/scheduler.h
inline void post_event(Environment& environment, uint64_t bits) {
    environment.shared_info->events |= bits;
    environment.posted_events |= bits;
    if (environment.wait_events & bits) [[unlikely]]
        wake_environment(environment);
}

// Bytes from the console UART's receive interrupt: into the input ring, kConsoleInput to the
// holder when some wait.
void deliver_console_input(KernelState& state, std::span<const uint8_t> bytes);

// EventWait's decision for `caller` (the scheduler performs the sleep): the latched bits of
// `mask` at once if there are any (or the deadline has passed), else nothing and the caller
// is to sleep. Validates first: InvalidArgument for an empty mask or a bit that cannot be
// waited for, NotPermitted inside an upcall, a call entry or an event entry.
struct WaitDecision {
    abi::Error error;
    bool sleep;
    uint64_t bits;
};
WaitDecision decide_wait(Environment& caller, uint64_t mask, uint64_t deadline, uint64_t now);

}  // namespace exo
