// The one trap vector (stvec, direct mode) for traps from U-mode and from S-mode.
//
// The kernel uses neither gp nor tp (it is linked without a global pointer), so an
// environment's gp and tp cannot steer it and are preserved as they are. Per-hart data is on
// the hart page, reached as `offset(zero)`. sscratch holds the kernel stack top while an
// environment runs, and the environment's sp while a syscall runs.
//
// The syscall fast path saves nothing: a syscall behaves like a call to a C function, so the
// caller-saved registers (ra, t0-t6, a0-a7) are the kernel's to use and the callee-saved ones
// are preserved by the C++ handler itself. Null costs 17 instructions here plus the ecall.
#include "asm_constants.h"

// Saves x1..x31 except t0 (x5) and sp (x2), which the caller stores itself.
.macro SAVE_MOST base
    sd  x1, 1*8(\base)
    .irp n, 3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
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
    csrr    t1, sepc
    sd      t1, TRAP_FRAME_SEPC(\base)
    csrr    t1, sstatus
    sd      t1, TRAP_FRAME_SSTATUS(\base)
    csrr    t1, scause
    sd      t1, TRAP_FRAME_SCAUSE(\base)
    csrr    t1, stval
    sd      t1, TRAP_FRAME_STVAL(\base)
.endm

    .section .text
    .balign 4
    .globl trap_entry
trap_entry:
    sd      t0, HART_SAVED_T0(zero)
    csrr    t0, scause
    addi    t0, t0, -8              // 8: ecall from U-mode, and only from U-mode
    bnez    t0, trap_slow
    li      t0, HART_SYSCALL_TABLE_SLOTS
    bgeu    a7, t0, syscall_unknown
    csrrw   sp, sscratch, sp        // kernel stack; the environment's sp waits in sscratch
    slli    t0, a7, 3
    ld      t0, HART_SYSCALL_TABLE(t0)
    csrr    t1, sepc
    addi    t1, t1, 4
    csrw    sepc, t1
    jalr    t0                      // a0..a5 are the arguments; a0/a1 come back as the result
    csrrw   sp, sscratch, sp
    sret

syscall_unknown:
    li      a0, ABI_ERROR_UNKNOWN_SYSCALL
    csrr    t0, sepc
    addi    t0, t0, 4
    csrw    sepc, t0
    sret

// A syscall that needs the caller's whole register state (it switches environments or
// rewrites the frame): its table slot points here. The fast path has already switched to the
// kernel stack and advanced sepc; t0 and t1 hold nothing the ABI preserves.
    .globl syscall_with_frame
syscall_with_frame:
    ld      t0, HART_CURRENT_FRAME(zero)
    SAVE_MOST t0
    csrr    t1, sscratch
    sd      t1, 2*8(t0)             // the environment's sp
    SAVE_TRAP_CSRS t0
    mv      a0, t0
    call    handle_syscall_with_frame
    j       return_to_user

trap_slow:
    csrr    t0, sstatus
    andi    t0, t0, 1 << 8          // SPP: the trap came from S-mode
    bnez    t0, trap_from_kernel

    // From U-mode: save everything into the running environment's frame.
    csrrw   sp, sscratch, sp
    ld      t0, HART_CURRENT_FRAME(zero)
    SAVE_MOST t0
    ld      t1, HART_SAVED_T0(zero)
    sd      t1, 5*8(t0)
    csrr    t1, sscratch
    sd      t1, 2*8(t0)
    SAVE_TRAP_CSRS t0
    mv      a0, t0
    call    handle_user_trap        // returns the frame to resume: maybe another environment's
    // fall through

    .globl return_to_user
return_to_user:                     // a0 = TrapFrame to resume
    sd      a0, HART_CURRENT_FRAME(zero)
    ld      t0, HART_KERNEL_STACK_TOP(zero)
    csrw    sscratch, t0
    ld      t0, TRAP_FRAME_SEPC(a0)
    csrw    sepc, t0
    ld      t0, TRAP_FRAME_SSTATUS(a0)
    csrw    sstatus, t0
    RESTORE_ALL_BUT 10
    ld      a0, 10*8(a0)
    sret

// From S-mode: only kernel faults (the kernel runs with interrupts off, except while it waits
// at boot). sp is the kernel's own; if it ran into its guard page, move to the emergency stack
// so the overflow is reported instead of faulting forever.
trap_from_kernel:
    sd      sp, HART_INTERRUPTED_SP(zero)
    ld      t0, HART_STACK_BOTTOM(zero)
    addi    t0, t0, TRAP_FRAME_SIZE
    bgeu    sp, t0, 1f
    ld      sp, HART_EMERGENCY_STACK_TOP(zero)
1:  addi    sp, sp, -TRAP_FRAME_SIZE
    SAVE_MOST sp
    ld      t0, HART_SAVED_T0(zero)
    sd      t0, 5*8(sp)
    ld      t0, HART_INTERRUPTED_SP(zero)
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

// Before the hart page is mapped (early boot), traps go here: no per-hart data is needed to
// report them, and any trap this early is fatal.
    .globl early_trap_entry
early_trap_entry:
    addi    sp, sp, -TRAP_FRAME_SIZE
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n*8(sp)
    .endr
    SAVE_TRAP_CSRS sp
    mv      a0, sp
    call    handle_early_trap
1:  j       1b

// The idle loop runs on a fresh kernel stack: whatever the kernel was doing when it found
// nobody to run is finished.
    .globl idle_on_kernel_stack
idle_on_kernel_stack:
    ld      sp, HART_KERNEL_STACK_TOP(zero)
    csrw    sscratch, sp
    j       idle_wait
