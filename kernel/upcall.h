// Upcalls: entering an environment at one of its registered entry points with the interrupted
// state saved, and returning from them.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include "environment.h"

namespace exo {

// Starts the upcall if the entry is registered and none is in progress; false otherwise.
bool start_upcall(Environment& environment, abi::Entry entry, uint64_t arg0, uint64_t arg1,
                  uint64_t arg2);
// Delivers a pending revocation upcall, if any can start now.
void deliver_pending_upcalls(Environment& environment);
// Publishes the trap in the shared page and enters the exception entry; false when the
// environment has no entry or faulted inside an upcall (then it must be destroyed).
bool dispatch_exception(Environment& environment, const riscv::TrapFrame& frame);

}  // namespace exo
