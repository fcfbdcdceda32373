// Trap dispatch: syscalls, interrupts and faults, from U-mode and from the kernel itself.
#include "trap.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/timer.h"
#include "console.h"
#include "panic.h"
#include "power.h"
#include "syscalls.h"

extern "C" char __boot_stack_guard[], __boot_stack_bottom[], __emergency_stack_guard[],
    __emergency_stack_bottom[];

namespace exo {

Environment* current_environment = nullptr;

namespace {

void (*timer_handler)() = nullptr;

void route_interrupt(uint64_t cause) {
    switch (cause) {
    case riscv::interrupt::kTimer:
        if (timer_handler) {
            timer_handler();
        } else {
            riscv::timer_clear();  // nobody asked for it: silence it
        }
        break;
    default: panic("unexpected interrupt %lu", cause);
    }
}

bool in_range(uint64_t address, const char* start, const char* end) {
    return address >= reinterpret_cast<uint64_t>(start) && address < reinterpret_cast<uint64_t>(end);
}

}  // namespace

void set_timer_handler(void (*handler)()) { timer_handler = handler; }

}  // namespace exo

using namespace exo;

riscv::TrapFrame* handle_user_trap(riscv::TrapFrame* frame) {
    uint64_t cause = frame->scause;
    if (cause & riscv::kCauseInterruptBit) {
        route_interrupt(cause & ~riscv::kCauseInterruptBit);
        return frame;
    }
    Environment& environment = *current_environment;
    if (cause == static_cast<uint64_t>(riscv::Exception::EcallFromUser)) {
        frame->pc() += 4;
        return handle_syscall(environment, *frame);
    }
    kprintf("exo: environment '%s' killed: %s at pc %lx (stval %lx)\n", environment.name,
            riscv::describe_cause(cause), frame->pc(), frame->stval);
    shutdown(kEnvironmentFaultStatus);
}

void handle_kernel_trap(riscv::TrapFrame* frame) {
    uint64_t cause = frame->scause;
    if (cause & riscv::kCauseInterruptBit) {
        route_interrupt(cause & ~riscv::kCauseInterruptBit);
        return;
    }
    if (in_range(frame->stval, __boot_stack_guard, __boot_stack_bottom) ||
        in_range(frame->stval, __emergency_stack_guard, __emergency_stack_bottom)) {
        panic_trap("kernel stack overflow (guard page hit)", *frame);
    }
    panic_trap("trap in the kernel", *frame);
}
