// C++ side of the trap vector (arch/riscv64/trap_entry.S).
#pragma once

#include "arch/riscv64/trap_frame.h"

namespace exo {

inline constexpr int kEnvironmentFaultStatus = 70;

// Interrupts taken while the kernel itself runs (only at boot): the timer handler.
void set_timer_handler(void (*handler)());

// The kernel takes interrupts only while it waits (the boot timer check, the idle loop), and
// then through kernel_wait_entry: the trap vector's interrupt paths may assume that they
// interrupted U-mode, which saves them a check of sstatus.SPP. Waits for an interrupt and
// takes it (a handler may leave for an environment instead of returning: see
// leave_kernel_wait).
void wait_for_interrupt_and_take_it();
// Puts the trap vector back before an interrupt taken while waiting leaves for U-mode.
void leave_kernel_wait();

}  // namespace exo

extern "C" {
riscv::TrapFrame* handle_user_trap(riscv::TrapFrame* frame);
riscv::TrapFrame* handle_syscall_with_frame(riscv::TrapFrame* frame);
void handle_kernel_trap(riscv::TrapFrame* frame);
[[noreturn]] void handle_early_trap(riscv::TrapFrame* frame);
[[noreturn]] void return_to_user(riscv::TrapFrame* frame);
void trap_entry();
void early_trap_entry();
void kernel_wait_entry();
void syscall_with_frame();
// UpcallReturn's slot: an event the device-interrupt path entered returns without a frame.
void upcall_return_entry();
}
