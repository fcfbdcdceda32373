// Waiting for an interrupt inside the kernel (the boot timer check, the idle loop).
//
// The kernel takes interrupts only while it waits, and then through kernel_wait_entry: the trap
// vector's interrupt paths may assume that they interrupted U-mode, which saves them a check of
// sstatus.SPP.
#pragma once

namespace exo {

// Waits for an interrupt and takes it (a handler may leave for an environment instead of
// returning: see leave_kernel_wait).
void wait_for_interrupt_and_take_it();
// Puts the trap vector back before an interrupt taken while waiting leaves for U-mode.
void leave_kernel_wait();

}  // namespace exo
