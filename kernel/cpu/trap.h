// C++ side of the trap vector (arch/riscv64/trap_entry.S): what it calls. Its own entry points
// are in arch/riscv64/trap_entry.h.
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
}
