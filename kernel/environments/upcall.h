// Upcalls: entering an environment at one of its registered entry points on its upcall context,
// its main context left as it was; and exceptions the trap vector left to the kernel.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include "environments/environment.h"

namespace exo {

// Inside an event entry the trap vector's device-interrupt path entered directly (trap page
// event_busy, abi/trap_page.h): it runs on the main context, on the event entry's stack, until
// UpcallReturn ends it. (Bare host-test entries have no trap page.)
inline bool in_event_entry(const Environment& environment) {
    return environment.trap_page != 0 && environment.trap().event_busy != 0;
}

// One entry at a time: while an upcall, a call entry or a directly entered event runs, no
// upcall or event is entered (it would start on a stack that one is using, and the main context
// would resume with what the second left there). Pending ones wait until the running one ends
// (UpcallReturn, Reply, the event's return).
inline bool entry_running(const Environment& environment) {
    return environment.in_upcall || environment.serving() || in_event_entry(environment);
}

// Starts the upcall if the entry is registered and no entry runs (entry_running); false otherwise.
// `start_upcall` counts it in SharedInfo::upcalls; slice starts (counted in slices_started)
// use `enter_upcall`.
bool enter_upcall(Environment& environment, abi::Entry entry, uint64_t arg0, uint64_t arg1,
                  uint64_t arg2);
bool start_upcall(Environment& environment, abi::Entry entry, uint64_t arg0, uint64_t arg1,
                  uint64_t arg2);
// Delivers a pending revocation or event upcall, if one can start now.
void deliver_pending_upcalls(Environment& environment);
// Enters the exception handler as the trap vector does (abi/trap_page.h); false when the
// environment has no handler or faulted inside it (then it must be destroyed).
bool dispatch_exception(Environment& environment, riscv::TrapFrame& frame);
// For the message when an exception ends an environment: why it could not be delivered.
const char* exception_handler_state(const Environment& environment);

}  // namespace exo
