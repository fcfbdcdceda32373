// The kernel's rule for registers (docs/abi.md, "Registers"): no kernel value comes back to an
// environment in a register. Every kernel function clears the caller-saved registers it used
// when it returns (-fzero-call-used-regs=used-gpr, cmake/board_image.cmake), with one exception:
//
// The disk's request and completion paths run a dozen small functions a request (the disk layer,
// the virtio driver), and clearing at each return cost a third of a request. Those functions are
// marked EXO_KEEPS_USED_REGISTERS and are entered only (1) through functions marked
// EXO_CLEARS_CALLER_SAVED_REGISTERS (the disk syscalls' handlers, Disk::forget), which clear every
// caller-saved register when they return, whatever their callees left, or (2) from the device
// interrupt path, after which the trap vector restores every register from the frame.
// Attributes rather than per-file options: the kernel is linked with LTO, where the link's
// -fzero-call-used-regs applies to every function that has no attribute of its own.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#define EXO_CLEARS_CALLER_SAVED_REGISTERS [[gnu::noinline, gnu::zero_call_used_regs("all-gpr")]]
#define EXO_KEEPS_USED_REGISTERS [[gnu::zero_call_used_regs("skip")]]
#else  // the clang host builds (the fuzzers): no environment's registers to keep clean
#define EXO_CLEARS_CALLER_SAVED_REGISTERS [[gnu::noinline]]
#define EXO_KEEPS_USED_REGISTERS
#endif
