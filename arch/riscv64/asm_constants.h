/* Numbers shared by assembly and C++. C++ pins each one to its struct with static_assert
 * (trap_frame.h, hart_page.h), so the two can never drift apart. */
#pragma once

#define BOOT_DIRECT_MAP_GIGABYTES 4

/* TrapFrame (abi::TrapState's layout): scause, stval, sepc, then x1..x31 at TRAP_FRAME_X + 8*n,
 * with sstatus in the x0 slot. */
#define TRAP_FRAME_SCAUSE 0
#define TRAP_FRAME_STVAL 8
#define TRAP_FRAME_SEPC 16
#define TRAP_FRAME_X 24
#define TRAP_FRAME_SSTATUS 24
#define TRAP_FRAME_SIZE 280
#define TRAP_FRAME_STACK_BYTES 288      /* a frame on the kernel stack, rounded to 16 */

/* The hart page: this hart's kernel data at the very top of the address space, so the trap
 * vector reaches it as `offset(zero)` (a 12-bit signed offset from address 0) without first
 * freeing a register. Every address space maps it (it is in the kernel half). */
#define HART_PAGE_ADDRESS 0xfffffffffffff000
#define HART_DIRECTORY (-1536)          /* environments by (id & 63), for transfers */
#define HART_DIRECTORY_SLOTS 64
#define HART_CLOCK (-1024)              /* the SliceClock (kernel/slice_clock.h) */
#define HART_SYSCALL_TABLE (-2048)      /* handler addresses, indexed by syscall number */
#define HART_SYSCALL_TABLE_SLOTS 64
#define HART_SYSCALL_TABLE_SHIFT 6        /* a7 >> 6 is 0 exactly for the table's numbers */
#define HART_CURRENT_ENV (-8)           /* the running Environment */
#define HART_SAVED_T0 (-16)             /* t0 while the vector frees it */
#define HART_KERNEL_STACK_TOP (-24)
#define HART_STACK_BOTTOM (-32)         /* lowest usable byte; below is the guard page */
#define HART_EMERGENCY_STACK_TOP (-40)  /* where a kernel stack overflow is reported from */
#define HART_ID (-48)
#define HART_INTERRUPTED_SP (-56)       /* a kernel trap's sp, while it picks a stack */
#define HART_SAVED_T1 (-64)             /* t1 while the exception path frees it */
#define HART_IRQ_SLOTS (-192)           /* 16 words: the device-interrupt path's registers */

/* SliceClock (kernel/slice_clock.h), at HART_CLOCK. */
#define CLOCK_SLOT_END 0
#define CLOCK_SLOT_TICKS 8
#define CLOCK_SLOT 16
#define CLOCK_SLOTS 24
#define CLOCK_HOLD 32
#define CLOCK_RUNNER 40
#define CLOCK_OWNER_HAD_SLOT 48
#define CLOCK_FAST_OWNERS 56
#define CLOCK_HOLD_FPU_NOT_ZERO 4       /* hold::kFpuNotZero */
#define CLOCK_HOLD_TIMER_THROUGH_SBI 16 /* hold::kTimerThroughSbi */

/* The SBI timer extension ("TIME"). */
#define SBI_EXTENSION_TIME 0x54494D45

/* Environment (kernel/environment.h): the fields the fast paths use. */
#define ENV_GATE 0
#define ENV_SATP 8
#define ENV_TRAP_PAGE 16
#define ENV_EXCEPTION_PAGE 24
#define ENV_SAVE_AREA 32
#define ENV_RESUME_PC 40
#define ENV_RESUME_SP 48
#define ENV_ID 56
#define ENV_SHARED_INFO 64              /* abi::SharedInfo*, the kernel's address */
#define ENV_ENTRIES 72                  /* UpcallEntry {pc, sp} by abi::Entry */
#define ENV_PENDING 216                 /* the two bools below, as one halfword */
#define ENV_REVOCATION_PENDING 216      /* bool */
#define ENV_EVENT_PENDING 217           /* bool */
#define ENV_IN_UPCALL 218               /* bool */
#define ENV_MAIN_FRAME 224              /* TrapFrame*: in the shared info page */
#define ENV_MAIN_FP 232                 /* riscv::FpState */
#define ENV_MAIN_FP_SAVED 496           /* bool */
#define ENV_UPCALL_FRAME 504            /* TrapFrame* */
#define ENV_UPCALL_FP 512               /* riscv::FpState */
#define CONTEXT_FP 8                    /* Context: frame, fp, fp_saved */
#define CONTEXT_FP_SAVED 272

/* abi::TrapPage (abi/trap_page.h). */
#define TRAP_PAGE_HANDLER_PC 0
#define TRAP_PAGE_HANDLER_SP 8
#define TRAP_PAGE_BUSY 16
#define TRAP_PAGE_BUSY_HANDLER_RUNS 2   /* abi::kTrapPageBusyHandlerRuns */
#define TRAP_PAGE_PC 24
#define TRAP_PAGE_CAUSE 32
#define TRAP_PAGE_ADDRESS 40
#define TRAP_PAGE_SP 48
#define TRAP_PAGE_EVENT_BUSY 56
#define TRAP_PAGE_EVENT_PC 64
#define TRAP_PAGE_EVENT_SP 72
#define TRAP_PAGE_EVENT_A0 80
#define TRAP_PAGE_EVENT_A7 88
#define TRAP_PAGE_EVENT_RA 96
#define TRAP_PAGE_EVENT_T0 104
#define TRAP_PAGE_EVENT_T1 112

/* Transfer numbers and entries (abi/syscall.h). */
#define ABI_CALL 64
#define ABI_CALL_END 68
#define ABI_REPLY 68
#define ABI_ENTRY_CALL0 5
#define ABI_ENTRY_SLICE_START 2

/* abi::SharedInfo (abi/shared_info.h). */
#define INFO_CURRENT_SLOT 40
#define INFO_SLICES_STARTED 48
