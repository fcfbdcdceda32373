// C++ side of the trap vector (arch/riscv64/trap_entry.S).
#pragma once

#include "arch/riscv64/trap_frame.h"

namespace exo {

inline constexpr int kEnvironmentFaultStatus = 70;

// Interrupts taken while the kernel itself runs (only at boot): the timer handler.
void set_timer_handler(void (*handler)());

}  // namespace exo

extern "C" {
riscv::TrapFrame* handle_user_trap(riscv::TrapFrame* frame);
riscv::TrapFrame* handle_syscall_with_frame(riscv::TrapFrame* frame);
void handle_kernel_trap(riscv::TrapFrame* frame);
[[noreturn]] void handle_early_trap(riscv::TrapFrame* frame);
[[noreturn]] void return_to_user(riscv::TrapFrame* frame);
void trap_entry();
void early_trap_entry();
void syscall_with_frame();
// UpcallReturn's slot: an event the device-interrupt path entered returns without a frame.
void upcall_return_entry();
}
