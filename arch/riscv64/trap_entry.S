// The one trap vector (stvec, direct mode) for traps from U-mode and from S-mode.
//
// Convention: while an environment runs, sscratch holds this hart's HartContext; while the kernel
// runs, sscratch is 0 and tp holds the HartContext. The first instruction swaps tp and sscratch,
// so a zero tp afterwards means the trap came from the kernel.
#include "asm_constants.h"

// Saves x1..x31 except t0 (x5) and tp (x4), which the caller stores itself.
.macro SAVE_MOST base
    sd  x1, 1*8(\base)
    sd  x2, 2*8(\base)
    sd  x3, 3*8(\base)
    .irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd  x\n, \n*8(\base)
    .endr
.endm

// Restores x1..x31 except \base itself, which the caller restores last.
.macro RESTORE_ALL_BUT base
    .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .if \n != \base
    ld  x\n, \n*8(x\base)
    .endif
    .endr
.endm

.macro SAVE_TRAP_CSRS base
    csrr    t0, sepc
    sd      t0, TRAP_FRAME_SEPC(\base)
    csrr    t0, sstatus
    sd      t0, TRAP_FRAME_SSTATUS(\base)
    csrr    t0, scause
    sd      t0, TRAP_FRAME_SCAUSE(\base)
    csrr    t0, stval
    sd      t0, TRAP_FRAME_STVAL(\base)
.endm

    .section .text
    .balign 4
    .globl trap_entry
trap_entry:
    csrrw   tp, sscratch, tp
    beqz    tp, trap_from_kernel

    // From U-mode: save everything into the running environment's frame.
    sd      t0, HART_SCRATCH(tp)
    ld      t0, HART_USER_FRAME(tp)
    SAVE_MOST t0
    ld      t1, HART_SCRATCH(tp)
    sd      t1, 5*8(t0)             // user t0
    csrr    t1, sscratch
    sd      t1, 4*8(t0)             // user tp
    csrw    sscratch, zero
    mv      t1, t0
    SAVE_TRAP_CSRS t1
    ld      sp, HART_KERNEL_STACK_TOP(tp)
.option push
.option norelax
    // The environment's gp is its own; the kernel addresses its small data through its own.
    la      gp, __global_pointer$
.option pop
    mv      a0, t1
    call    handle_user_trap        // returns the frame to resume: maybe another environment's
    // fall through

    .globl return_to_user
return_to_user:                     // a0 = TrapFrame to resume, tp = HartContext
    sd      a0, HART_USER_FRAME(tp)
    csrw    sscratch, tp
    ld      t0, TRAP_FRAME_SEPC(a0)
    csrw    sepc, t0
    ld      t0, TRAP_FRAME_SSTATUS(a0)
    csrw    sstatus, t0
    RESTORE_ALL_BUT 10
    ld      a0, 10*8(a0)
    sret

trap_from_kernel:
    csrrw   tp, sscratch, tp        // tp = HartContext again, sscratch = 0
    sd      sp, HART_SCRATCH(tp)    // the interrupted sp, saved into the frame below
    // A kernel stack that ran into its guard page cannot hold a frame: switch to the emergency
    // stack so the overflow is reported instead of faulting forever.
    csrw    sscratch, t0
    ld      t0, HART_STACK_BOTTOM(tp)
    addi    t0, t0, TRAP_FRAME_SIZE
    bgeu    sp, t0, 1f
    ld      sp, HART_EMERGENCY_STACK_TOP(tp)
1:  csrrw   t0, sscratch, zero
    addi    sp, sp, -TRAP_FRAME_SIZE
    SAVE_MOST sp
    sd      t0, 5*8(sp)
    sd      tp, 4*8(sp)
    ld      t0, HART_SCRATCH(tp)
    sd      t0, 2*8(sp)
    SAVE_TRAP_CSRS sp
    mv      a0, sp
    call    handle_kernel_trap
    ld      t0, TRAP_FRAME_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TRAP_FRAME_SSTATUS(sp)
    csrw    sstatus, t0
    RESTORE_ALL_BUT 2
    ld      sp, 2*8(sp)
    sret
