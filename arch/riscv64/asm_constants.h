/* Numbers shared by assembly and C++. C++ pins each one to its struct with static_assert
 * (trap_frame.h, hart_context.h), so the two can never drift apart. */
#pragma once

#define BOOT_DIRECT_MAP_GIGABYTES 4

/* TrapFrame: x1..x31 at 8*n, sepc in the x0 slot, then sstatus, scause, stval. */
#define TRAP_FRAME_SEPC 0
#define TRAP_FRAME_SSTATUS 256
#define TRAP_FRAME_SCAUSE 264
#define TRAP_FRAME_STVAL 272
#define TRAP_FRAME_SIZE 288

/* HartContext: what tp points at while the kernel runs, and sscratch while an environment runs. */
#define HART_USER_FRAME 0
#define HART_KERNEL_STACK_TOP 8
#define HART_SCRATCH 16
#define HART_STACK_BOTTOM 24
#define HART_EMERGENCY_STACK_TOP 32
