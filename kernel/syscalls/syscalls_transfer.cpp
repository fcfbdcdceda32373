// Protected control transfer in the C++: the calls the trap vector refused (the error is named
// here), Send, replies it may not make, and the end of an environment that others wait on or
// serve. The logic is transfer.cpp; this file switches the CPU.
#include <abi/trap_page.h>

#include "cpu/scheduler.h"
#include "environments/transfer.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

namespace {

SyscallResult switched(transfer::Outcome outcome, bool sender_continues) {
    TRY(outcome.error);
    (void)transfer_to(*outcome.next, sender_continues);
    return SyscallResult::registers_set();
}

}  // namespace

SyscallResult call(SyscallContext& context, riscv::TrapFrame& frame, uint64_t entry) {
    return switched(
        transfer::call(context.state.environments, context.caller, frame, entry), false);
}

SyscallResult send(SyscallContext& context, riscv::TrapFrame& frame, uint64_t entry) {
    return switched(
        transfer::send(context.state.environments, context.caller, frame, entry), true);
}

SyscallResult reply(SyscallContext& context, riscv::TrapFrame& frame) {
    return switched(transfer::reply(context.caller, frame), false);
}

void release_transfers(KernelState& state, Environment& ending) {
    transfer::release(state.environments, ending);
}

}  // namespace exo::syscall
