// Upcall entry and exception dispatch.
#include "upcall.h"

#include "revocation.h"
#include "system.h"

namespace exo {

bool start_upcall(Environment& environment, abi::Entry entry, uint64_t arg0, uint64_t arg1,
                  uint64_t arg2) {
    const UpcallEntry& target = environment.entries[static_cast<size_t>(entry)];
    if (target.pc == 0 || environment.in_upcall) return false;
    environment.interrupted = environment.frame;
    environment.in_upcall = true;
    riscv::TrapFrame& frame = environment.frame;
    frame.pc() = target.pc;
    frame.x[riscv::reg::sp] = target.sp;
    frame.x[riscv::reg::a0] = arg0;
    frame.x[riscv::reg::a1] = arg1;
    frame.x[riscv::reg::a2] = arg2;
    ++shared_info(kernel_state(), environment).upcalls;
    return true;
}

void deliver_pending_upcalls(Environment& environment) {
    if (environment.in_upcall) return;
    if (environment.revocation_upcall_pending) {
        environment.revocation_upcall_pending = false;
        (void)start_upcall(environment, abi::Entry::Revocation, environment.revocation_remaining,
                           environment.revocation_deadline, 0);
    } else if (environment.event_upcall_pending) {
        environment.event_upcall_pending = false;
        (void)start_upcall(environment, abi::Entry::Event,
                           shared_info(kernel_state(), environment).events, 0, 0);
    }
}

bool dispatch_exception(Environment& environment, const riscv::TrapFrame& frame) {
    if (environment.in_upcall) return false;  // a fault inside a handler is not recoverable
    if (environment.entries[static_cast<size_t>(abi::Entry::Exception)].pc == 0) return false;
    abi::TrapState& trap = shared_info(kernel_state(), environment).trap;
    trap.cause = frame.scause;
    trap.address = frame.stval;
    trap.pc = frame.pc();
    for (int i = 1; i < 32; ++i) trap.registers[i] = frame.x[i];
    return start_upcall(environment, abi::Entry::Exception, frame.scause, frame.stval, frame.pc());
}

}  // namespace exo
