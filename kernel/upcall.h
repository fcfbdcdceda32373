// Upcalls: entering an environment at one of its registered entry points on its upcall context,
// its main context left as it was; and exceptions the trap vector left to the kernel.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include "environment.h"

namespace exo {

// Starts the upcall if the entry is registered and none is in progress; false otherwise.
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
