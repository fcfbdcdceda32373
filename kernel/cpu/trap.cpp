// Trap dispatch: syscalls, interrupts and faults, from U-mode and from the kernel itself.
#include "cpu/trap.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/guarded_copy.h"
#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap_entry.h"
#include "boot/panic.h"
#include "cpu/interrupts.h"
#include "cpu/kernel_wait.h"
#include "cpu/scheduler.h"
#include "drivers/console.h"
#include "environments/upcall.h"
#include "kernel_state.h"
#include "memory/accessed_bits.h"
#include "syscalls/syscall_handlers.h"

extern "C" char __boot_stack_guard[], __boot_stack_bottom[], __emergency_stack_guard[],
    __emergency_stack_bottom[];

namespace exo {
namespace {

void (*timer_handler)() = nullptr;

bool in_range(uint64_t address, const char* start, const char* end) {
    return address >= reinterpret_cast<uint64_t>(start) &&
           address < reinterpret_cast<uint64_t>(end);
}

// Page faults the kernel settles itself (accessed/dirty bits, stale TLB entries).
bool settle_fault(Environment& environment, const riscv::TrapFrame& frame) {
    address_space::Access access;
    switch (static_cast<riscv::Exception>(frame.scause)) {
    case riscv::Exception::InstructionPageFault: access = address_space::Access::Fetch; break;
    case riscv::Exception::LoadPageFault: access = address_space::Access::Load; break;
    case riscv::Exception::StorePageFault: access = address_space::Access::Store; break;
    default: return false;
    }
    MemorySystem memory = kernel_state().memory();
    return address_space::settle_access(memory, environment.space, frame.stval, access);
}

}  // namespace

void set_timer_handler(void (*handler)()) { timer_handler = handler; }

}  // namespace exo

using namespace exo;

// The vector restores every register from a frame after this returns: nothing here can reach
// the environment, so it skips clearing the registers it used (see cmake/board_image.cmake).
[[gnu::zero_call_used_regs("skip")]] riscv::TrapFrame* handle_user_trap(riscv::TrapFrame* frame) {
    note_running();
    uint64_t cause = frame->scause;
    if (cause & riscv::kCauseInterruptBit) {
        switch (cause & ~riscv::kCauseInterruptBit) {
        case riscv::interrupt::kTimer: return scheduler_tick();
        case riscv::interrupt::kExternal:
            handle_external_interrupt();
            // External interrupts outrank the timer (Privileged spec 3.1.9): a line that an
            // owner keeps re-raising must not keep the slot from ending.
            if (riscv::read<riscv::Csr::sip>() & riscv::interrupt::bit(riscv::interrupt::kTimer)) {
                return scheduler_tick();
            }
            return run(current_environment());
        default: panic("unexpected interrupt %lu from U-mode", cause & ~riscv::kCauseInterruptBit);
        }
    }
    Environment& environment = current_environment();
    if (settle_fault(environment, *frame) || dispatch_exception(environment, *frame)) return frame;
    kprintf("exo: environment '%s' killed: %s at pc %lx (stval %lx)%s\n", environment.name,
            riscv::describe_cause(cause), frame->pc(), frame->stval,
            exception_handler_state(environment));
    syscall::end_current_environment(kEnvironmentFaultStatus, cause);
}

void handle_early_trap(riscv::TrapFrame* frame) { panic_trap("trap during early boot", *frame); }

[[gnu::zero_call_used_regs("skip")]] void handle_kernel_trap(riscv::TrapFrame* frame) {
    uint64_t cause = frame->scause;
    if (cause & riscv::kCauseInterruptBit) {
        // Only while the kernel waits: at boot (the timer check) or idle (nobody to run).
        switch (cause & ~riscv::kCauseInterruptBit) {
        case riscv::interrupt::kTimer:
            if (timer_handler) {
                timer_handler();
                return;
            }
            leave_kernel_wait();
            return_to_user(scheduler_tick());  // leaves the idle loop if someone is due
        case riscv::interrupt::kExternal:
            handle_external_interrupt();
            // An event woke an environment (console input, say) while nobody ran: run the
            // slot's runner now rather than at the slot's end.
            if (take_wake_while_idle()) {
                leave_kernel_wait();
                return_to_user(run_after_wake());
            }
            return;
        default:
            panic("unexpected interrupt %lu in the kernel", cause & ~riscv::kCauseInterruptBit);
        }
    }
    if (skip_accessed_bit_probe_fault(*frame)) return;
    // A fault while copying user memory is the caller's error, not the kernel's: the copy
    // returns false and the syscall BadAddress (arch/riscv64/guarded_copy.S). The copy's page
    // checks should have refused anything that faults, so say so: it is worth a look.
    if (std::optional<uint64_t> fixup =
            riscv::guarded_copy_fixup(cause, frame->pc(), riscv::guarded_copy_code(),
                                      reinterpret_cast<uint64_t>(riscv::guarded_copy_fault))) {
        kprintf("exo: recovered a fault in a user copy: %s at pc %lx (stval %lx)\n",
                riscv::describe_cause(cause), frame->pc(), frame->stval);
        frame->pc() = *fixup;
        return;
    }
    if (in_range(frame->stval, __boot_stack_guard, __boot_stack_bottom) ||
        in_range(frame->stval, __emergency_stack_guard, __emergency_stack_bottom)) {
        panic_trap("kernel stack overflow (guard page hit)", *frame);
    }
    panic_trap("trap in the kernel", *frame);
}
