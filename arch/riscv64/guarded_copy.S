// The one routine through which the kernel loads or stores user memory
// (kernel/memory/user_copy.cpp): a copy between two kernel addresses, one of them the direct map
// of a user page.
//
// It is an exception-table entry of one: a load or store that faults anywhere in
// [guarded_copy_begin, guarded_copy_end) is not fatal. handle_kernel_trap (kernel/cpu/trap.cpp)
// sees the trap's sepc inside that range (arch/riscv64/guarded_copy.h decides) and resumes at
// guarded_copy_fault, which returns 0 to our caller as if the copy had ended there. That is a
// second line of defence: user_copy.cpp already refuses every page that is not the caller's RAM,
// so no fault is expected here.
//
// A leaf: it keeps everything in a0..a2 and t0..t3, needs no stack, and leaves ra alone, so the
// fixup, entered with every register as the faulting instruction left it, can simply return.
// The fault itself is a trap, though, and a trap overwrites sepc and sstatus's SPP, SPIE and
// SIE, which the syscall fast path still needs: it returns to the environment with sret straight
// from them (trap_entry.S). So the routine keeps both in t2 and t3 and the fixup puts them back.

    .section .text.guarded_copy, "ax", @progbits
    .globl guarded_copy, guarded_copy_begin, guarded_copy_end, guarded_copy_fault
    .balign 4

// a0 = destination, a1 = source, a2 = size in bytes -> a0 = 1 when copied, 0 when an access
// faulted (what was copied before the fault stays copied).
guarded_copy:
    csrr    t2, sepc
    csrr    t3, sstatus
guarded_copy_begin:
    // Words when both ends are 8-aligned (the TrapState and frame lists always are), bytes for
    // the rest. Byte accesses alone cost about 8 times as many instructions.
    or      t0, a0, a1
    andi    t0, t0, 7
    bnez    t0, 2f
    li      t1, 8
1:  bltu    a2, t1, 2f
    ld      t0, 0(a1)
    sd      t0, 0(a0)
    addi    a0, a0, 8
    addi    a1, a1, 8
    addi    a2, a2, -8
    j       1b
2:  beqz    a2, 3f
    lbu     t0, 0(a1)
    sb      t0, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       2b
3:  li      a0, 1
    j       4f
guarded_copy_end:

guarded_copy_fault:
    csrw    sepc, t2
    csrw    sstatus, t3
    li      a0, 0
    // The registers it used hold kernel addresses, CSR values and copied data: the compiler
    // clears what C++ functions use (-fzero-call-used-regs), and this routine does the same, so
    // nothing of it reaches the environment through a syscall's clobbered registers.
4:  li      a1, 0
    li      a2, 0
    li      t0, 0
    li      t1, 0
    li      t2, 0
    li      t3, 0
    ret
