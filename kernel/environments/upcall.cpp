// Upcall entry and the exception slow path.
#include "environments/upcall.h"

#include <abi/trap_page.h>

namespace exo {

bool enter_upcall(Environment& environment, abi::Entry entry, uint64_t arg0, uint64_t arg1,
                  uint64_t arg2) {
    const UpcallEntry& target = environment.entries[static_cast<size_t>(entry)];
    if (target.pc == 0 || entry_running(environment)) return false;
    environment.in_upcall = true;
    if (environment.gate == environment.id) environment.gate = 0;  // busy until it returns
    // The upcall context: the main one stays as it was interrupted, for UpcallReturn.
    riscv::TrapFrame& frame = *environment.upcall.frame;
    // What the entry needs of its environment's state: sstatus (the FPU's state), and gp and tp,
    // which its code may address globals through. The rest is its own from earlier upcalls.
    frame.sstatus() = environment.main.frame->sstatus();
    frame.x[riscv::reg::gp] = environment.main.frame->x[riscv::reg::gp];
    frame.x[riscv::reg::tp] = environment.main.frame->x[riscv::reg::tp];
    frame.pc() = target.pc;
    frame.x[riscv::reg::sp] = target.sp;
    frame.x[riscv::reg::a0] = arg0;
    frame.x[riscv::reg::a1] = arg1;
    frame.x[riscv::reg::a2] = arg2;
    environment.save_area = &frame;
    return true;
}

bool start_upcall(Environment& environment, abi::Entry entry, uint64_t arg0, uint64_t arg1,
                  uint64_t arg2) {
    if (!enter_upcall(environment, entry, arg0, arg1, arg2)) return false;
    ++environment.shared_info->upcalls;
    return true;
}

void deliver_pending_upcalls(Environment& environment) {
    if (entry_running(environment)) return;  // it arrives when the running entry ends
    if (environment.revocation_upcall_pending) {
        environment.revocation_upcall_pending = false;
        (void)start_upcall(environment, abi::Entry::Revocation, environment.revocation_remaining,
                           environment.revocation_deadline, 0);
    } else if (environment.event_upcall_pending) {
        environment.event_upcall_pending = false;
        (void)start_upcall(environment, abi::Entry::Event,
                           environment.shared_info->events, 0, 0);
    }
}

const char* exception_handler_state(const Environment& environment) {
    const abi::TrapPage& page = environment.trap();
    if (page.busy == 0) return "";
    return page.handler_pc == 0 ? ", with no exception handler" : ", inside its own handler";
}

// What the trap vector's fast path does, for the exceptions it left to the C++ (the kernel
// looked first, for faults it settles itself).
bool dispatch_exception(Environment& environment, riscv::TrapFrame& frame) {
    abi::TrapPage& page = environment.trap();
    if (page.busy != 0) return false;  // no handler, or a fault inside it: not recoverable
    page.pc = frame.pc();
    page.cause = frame.scause;
    page.address = frame.stval;
    page.sp = frame.x[riscv::reg::sp];
    page.busy = abi::kTrapPageBusyHandlerRuns;  // as the vector writes it (1 means "no handler")
    frame.pc() = page.handler_pc;
    frame.x[riscv::reg::sp] = page.handler_sp;
    return true;
}

}  // namespace exo
