// Protected control transfer in the C++: the calls the trap vector refused (the error is named
// here), Send, replies it may not make, and the end of an environment that others wait on or
// serve. The logic is transfer.cpp; this file switches the CPU.
#include <abi/trap_page.h>

#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"
#include "transfer.h"

namespace exo::syscall {

namespace {

SyscallResult switched(transfer::Outcome outcome, bool sender_continues) {
    if (outcome.error != abi::Error::Ok) return SyscallResult::fail(outcome.error);
    (void)transfer_to(*outcome.next, sender_continues);
    return SyscallResult::registers_set();
}

}  // namespace

SyscallResult call(Environment& caller, riscv::TrapFrame& frame, uint64_t entry) {
    return switched(transfer::call(kernel_state().environments, caller, frame, entry), false);
}

SyscallResult send(Environment& caller, riscv::TrapFrame& frame, uint64_t entry) {
    return switched(transfer::send(kernel_state().environments, caller, frame, entry), true);
}

SyscallResult reply(Environment& callee, riscv::TrapFrame& frame) {
    return switched(transfer::reply(callee, frame), false);
}

void release_transfers(Environment& ending) {
    transfer::release(kernel_state().environments, ending);
}

}  // namespace exo::syscall
