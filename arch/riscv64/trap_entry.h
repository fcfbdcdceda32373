// The trap vector's entry points (arch/riscv64/trap_entry.S) that C++ names: to install them in
// stvec or the syscall table, or to leave the kernel through them. What the vector calls in C++
// is declared in kernel/cpu/trap.h.
#pragma once

#include "arch/riscv64/trap_frame.h"

extern "C" {
void trap_entry();        // stvec while environments run
void early_trap_entry();  // stvec during early boot
void kernel_wait_entry(); // stvec while the kernel waits for an interrupt
// The syscall table's slot for calls that need the whole saved frame.
void syscall_with_frame();
// UpcallReturn's slot: an event the device-interrupt path entered returns without a frame.
void upcall_return_entry();
// Restores `frame` and returns to U-mode.
[[noreturn]] void return_to_user(riscv::TrapFrame* frame);
// Waits on the kernel stack with interrupts open; an interrupt leaves through the scheduler.
[[noreturn]] void idle_on_kernel_stack();
}
