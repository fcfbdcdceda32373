// The trap vector (stvec, direct mode) for traps from U-mode, and for exceptions in S-mode.
// (The kernel takes interrupts only while it waits, through kernel_wait_entry below, so every
// interrupt here came from U-mode.)
//
// The kernel uses neither gp nor tp (it is linked without a global pointer), so an
// environment's gp and tp cannot steer it and are preserved as they are. Per-hart data is on
// the hart page, reached as `offset(zero)`. sscratch holds the kernel stack top while an
// environment runs, and the environment's sp while a syscall runs.
//
// Five fast paths save no register file, or only what they must:
// - Syscalls through the table: a syscall behaves like a call to a C function, so the
//   caller-saved registers (ra, t0-t6, a0-a7) are the kernel's to use and the callee-saved ones
//   are preserved by the C++ handler itself. No kernel value stays in them: the vector clears
//   what it used and the compiler makes every kernel function clear what it used
//   (-fzero-call-used-regs=used-gpr). Null costs 18 instructions plus the ecall.
// - Protected control transfer (a7 >= 64): Call and Reply switch environments here, passing
//   the registers through (abi/syscall.h); anything unusual goes to the C++ (transfer_slow).
// - Exceptions: straight to the environment's handler through its trap page (abi/trap_page.h),
//   saving only sp, the one register the handler needs for itself.
// - Device interrupts: the caller-saved registers on the hart page, and the C++ enters the
//   owner's event entry.
// - A slot's end: the leaving context is saved, and the next owner starts here.
// Everything else (what the fast paths refuse) saves every register into the running
// environment's save area and runs the C++.

#include "asm_offsets.h"   // generated from the C++ types (arch/riscv64/asm_offsets.cpp)

// Saves x1..x31 except t0 (x5) and sp (x2), which the caller stores itself.
.macro SAVE_MOST base
    sd  x1, TRAP_FRAME_X + 1*8(\base)
    .irp n, 3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd  x\n, TRAP_FRAME_X + \n*8(\base)
    .endr
.endm

// Restores x1..x31 except \base itself, which the caller restores last.
.macro RESTORE_ALL_BUT base
    .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .if \n != \base
    ld  x\n, TRAP_FRAME_X + \n*8(x\base)
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
    bnez    t0, not_syscall
    srli    t0, a7, HART_SYSCALL_TABLE_SHIFT
    bnez    t0, transfer            // past the table: the transfers (and unknown numbers)
    // A table call: t0 is 0 and stays so; the vector works in ra, which the handler's return
    // leaves holding a kernel address, so ra is the one register cleared after it. The
    // handler's own registers are cleared by the handler (-fzero-call-used-regs=used-gpr).
    csrrw   sp, sscratch, sp        // kernel stack; the environment's sp waits in sscratch
    csrr    ra, sepc
    addi    ra, ra, 4
    csrw    sepc, ra
    slli    ra, a7, 3
    ld      ra, HART_SYSCALL_TABLE(ra)
    jalr    ra                      // a0..a5 are the arguments; a0/a1 come back as the result
    csrrw   sp, sscratch, sp
    li      ra, 0
    sret

// ---- Protected control transfer: a7 >= 64 (the table size). t0, t1 and a6 are the vector's
// (the ABI clobbers them) and come back zero; a0 once its id is checked and sp once saved are
// free too, so a7 and every other register pass through untouched. Every check comes before
// the first change, so a refusal leaves for the C++ (which names the error) with nothing done.
//
// The gate check is the whole authority check. The directory word at (a0 & 63) is an
// environment whose gate is its id while it accepts a call; every other gate state is a
// multiple of 64, which only an a0 selecting index 0 could equal, and index 0 lists no
// environment (environment.h, "The gate"). So a0 matches exactly one live, well-formed id.
transfer:
    sltiu   t0, a7, ABI_CALL_END
    beqz    t0, not_call
    andi    t0, a0, HART_DIRECTORY_SLOTS - 1
    slli    t0, t0, 3
    ld      t0, HART_DIRECTORY(t0)  // the callee, or a word no id selecting it can equal
    ld      t1, ENV_GATE(t0)
    bne     t1, a0, transfer_slow   // absent, stale, forged, ourselves, waiting or busy
    // Entry k of Call + k: at ENV_ENTRIES + ENV_ENTRY_SIZE * (Call0 + k).
    slli    t1, a7, ENV_ENTRY_SHIFT
    add     t1, t1, t0
    ld      a6, ENV_ENTRIES + ENV_ENTRY_SIZE * (ABI_ENTRY_CALL0 - ABI_CALL)(t1)
    beqz    a6, transfer_slow       // no such entry registered
    csrrw   a6, sepc, a6            // enter the callee's entry; a6 = the caller's ecall
    ld      a0, HART_CURRENT_ENV(zero)  // the caller
    sd      a6, ENV_RESUME_PC(a0)   // the caller waits: Reply resumes it after the ecall
    sd      sp, ENV_RESUME_SP(a0)
    ld      sp, ENV_ENTRIES + ENV_ENTRY_SIZE * (ABI_ENTRY_CALL0 - ABI_CALL) + ENV_ENTRY_SP(t1)
    sd      a0, ENV_GATE(t0)        // the callee serves the caller (its save area is preset)
    ld      t1, ENV_SATP(t0)
    csrw    satp, t1                // every environment has its own ASID: no flush
    sd      t0, HART_CURRENT_ENV(zero)
    ld      a0, ENV_ID(a0)          // the callee learns who called
    li      t0, 0
    li      t1, 0
    li      a6, 0
    sret

// Reply: t0 is 0 once the number is checked and stays so; a0 (no argument of Reply; it
// becomes Ok) holds the callee and t1 the caller, and sp is free once the last check passed
// (the caller resumes with its own). So only t1 needs clearing.
not_call:
    addi    t0, a7, -ABI_REPLY
    bnez    t0, transfer_slow       // Send, and numbers past the transfers
    ld      a0, HART_CURRENT_ENV(zero)
    ld      t1, ENV_GATE(a0)        // the caller we serve, when the vector may reply to it
    bgez    t1, transfer_slow
    ld      sp, ENV_RESUME_PC(t1)
    addi    sp, sp, 4
    csrw    sepc, sp
    sd      zero, ENV_RESUME_PC(t1) // no longer waiting
    ld      sp, ENV_ID(a0)
    sd      sp, ENV_GATE(a0)        // the callee accepts calls again, as when it was called
    ld      sp, ENV_SATP(t1)
    csrw    satp, sp
    sd      t1, HART_CURRENT_ENV(zero)
    ld      sp, ENV_RESUME_SP(t1)
    li      a0, 0                   // Ok; a1..a5 carry the results as the callee left them
    li      t1, 0
    sret

transfer_slow:
    csrrw   sp, sscratch, sp
    csrr    t1, sepc
    addi    t1, t1, 4
    csrw    sepc, t1
    j       syscall_with_frame

// ---- Not an ecall from U-mode; the interrupted t0 is on the hart page. ----
not_syscall:
    csrr    t0, scause
    bltz    t0, interrupt
    csrr    t0, sstatus
    andi    t0, t0, SSTATUS_SPP     // the exception came from S-mode
    bnez    t0, trap_from_kernel
    // An exception from U-mode: to the environment's handler, unless it is already in it.
    // The handler gets every register as it was but sp.
    sd      t1, HART_SAVED_T1(zero)
    ld      t1, HART_CURRENT_ENV(zero)
    ld      t1, ENV_EXCEPTION_PAGE(t1)
    ld      t0, TRAP_PAGE_BUSY(t1)
    bnez    t0, exception_slow
    ld      t0, TRAP_PAGE_HANDLER_PC(t1)
    csrrw   t0, sepc, t0
    sd      t0, TRAP_PAGE_PC(t1)
    li      t0, TRAP_PAGE_BUSY_HANDLER_RUNS
    sd      t0, TRAP_PAGE_BUSY(t1)
    sd      sp, TRAP_PAGE_SP(t1)
    ld      sp, TRAP_PAGE_HANDLER_SP(t1)
    csrr    t0, stval
    sd      t0, TRAP_PAGE_ADDRESS(t1)
    csrr    t0, scause
    sd      t0, TRAP_PAGE_CAUSE(t1)
    ld      t0, HART_SAVED_T0(zero)
    ld      t1, HART_SAVED_T1(zero)
    sret

exception_slow:
    ld      t1, HART_SAVED_T1(zero)
    j       trap_slow_user

interrupt:                          // t0 = scause
    slli    t0, t0, 1               // drop the interrupt bit
    addi    t0, t0, -2 * 9          // 9: the external interrupt
    beqz    t0, device_interrupt
    addi    t0, t0, 2 * (9 - 5)     // 5: the timer
    beqz    t0, timer_interrupt

// From U-mode: save everything into the running environment's save area.
trap_slow_user:
    csrrw   sp, sscratch, sp
    ld      t0, HART_CURRENT_ENV(zero)
    ld      t0, ENV_SAVE_AREA(t0)
    SAVE_MOST t0
    ld      t1, HART_SAVED_T0(zero)
    sd      t1, TRAP_FRAME_X + 5*8(t0)
    csrr    t1, sscratch
    sd      t1, TRAP_FRAME_X + 2*8(t0)
    SAVE_TRAP_CSRS t0
    mv      a0, t0
    call    handle_user_trap        // returns the frame to resume: maybe another environment's
    j       return_to_user

// ---- A device interrupt: saved only what a C call may clobber (on the hart page; t0 is there
// already), and the C++ claims the line and, when its owner is the environment running, enters
// its Event entry (abi/trap_page.h). It returns the sp to resume with, or 0 when the general
// path must run (the timer is due too): then everything is put back as it came.
device_interrupt:
    csrrw   sp, sscratch, sp        // the kernel stack for the C++; the environment's sp waits
    .irp r, ra,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    sd      \r, HART_IRQ_SLOTS + IRQ_SLOT_\r(zero)
    .endr
    li      a0, HART_IRQ_SLOTS
    csrr    a1, sscratch
    call    handle_interrupt_fast   // (the slots above, the interrupted sp)
    beqz    a0, 1f
    csrw    sscratch, a0
    .irp r, ra,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    ld      \r, HART_IRQ_SLOTS + IRQ_SLOT_\r(zero)
    .endr
    ld      t0, HART_SAVED_T0(zero)
    csrrw   sp, sscratch, sp
    sret
1:  .irp r, ra,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    ld      \r, HART_IRQ_SLOTS + IRQ_SLOT_\r(zero)
    .endr
    csrrw   sp, sscratch, sp
    j       trap_slow_user

// A slot's end after the save (see timer_interrupt): every check, then the switch. Two forms:
// - \fpu = 0, the common one: the FPU holds zeros and stays so; a leaving environment that
//   wrote it, or an arriving one with registers to load, goes to the other form.
// - \fpu = 1: saves the leaving environment's FP registers if it wrote them (sstatus.SD), loads
//   the arriving one's, or zeroes the FPU if it holds anyone's values (scheduler.cpp's
//   switch_fpu), and sets the timer by SBI when the hart has no Sstc (FU540, FU740).
.macro TICK_FAST fpu
    .if \fpu == 0
    bltz    s1, tick_fpu            // sstatus.SD: the leaving environment wrote the FPU
    .endif
    csrr    a1, time
    ld      a3, HART_CLOCK + CLOCK_SLOT_END(zero)
    bltu    a1, a3, tick_slow       // early: the C++ set it for something else
    ld      a4, HART_CLOCK + CLOCK_SLOT(zero)
    slli    t1, a4, 3
    ld      t2, HART_CLOCK + CLOCK_FAST_OWNERS(t1)
    beqz    t2, tick_slow           // a free slot ends, or its owner is due a slice-end upcall
    ld      a5, HART_CLOCK + CLOCK_FAST_OWNERS + 8(t1)  // the next slot's owner
    beqz    a5, tick_slow
    addi    a4, a4, 1
    ld      t1, HART_CLOCK + CLOCK_SLOTS(zero)
    bltu    a4, t1, 1f
    li      a4, 0
1:
    ld      t1, ENV_GATE(a5)
    ld      t2, ENV_ID(a5)
    bne     t1, t2, tick_slow       // not idle
    lhu     t1, ENV_PENDING(a5)
    bnez    t1, tick_slow           // a revocation or event upcall to deliver
    .if \fpu == 0
    lbu     t1, ENV_MAIN_FP_SAVED(a5)
    bnez    t1, tick_fpu            // floating-point registers to load
    .endif
    ld      t1, HART_CLOCK + CLOCK_SLOT_TICKS(zero)
    add     a3, a3, t1
    bleu    a3, a1, tick_slow       // the kernel fell behind: the C++ restarts the clock
    // The leaving environment (transfer::on_leave): open to calls while it waits for a slot,
    // unless it serves a call, runs an upcall, is inside its exception handler (busy holds
    // the page's address; 1 means no handler) or inside an event entered directly.
    ld      a6, HART_CURRENT_ENV(zero)
    ld      t1, ENV_GATE(a6)
    bnez    t1, 2f
    lbu     t1, ENV_IN_UPCALL(a6)
    bnez    t1, 2f
    ld      t2, ENV_TRAP_PAGE(a6)
    ld      t1, TRAP_PAGE_BUSY(t2)
    srli    t1, t1, 1
    bnez    t1, 2f
    ld      t1, TRAP_PAGE_EVENT_BUSY(t2)
    bnez    t1, 2f
    ld      t1, ENV_ID(a6)
    sd      t1, ENV_GATE(a6)
    ld      t1, ENV_UPCALL_FRAME(a6)
    sd      t1, ENV_SAVE_AREA(a6)   // where a fast call's entry runs
2:  sd      a3, HART_CLOCK + CLOCK_SLOT_END(zero)
    sd      a4, HART_CLOCK + CLOCK_SLOT(zero)
    sd      a5, HART_CLOCK + CLOCK_RUNNER(zero)
    sd      a5, HART_CLOCK + CLOCK_OWNER_HAD_SLOT(zero)
    .if \fpu == 0
    csrw    CSR_STIMECMP, a3        // stimecmp (Sstc): the next slot's end
    .else
    ld      t1, HART_CLOCK + CLOCK_HOLD(zero)
    andi    t1, t1, CLOCK_HOLD_TIMER_THROUGH_SBI
    bnez    t1, 4f
    csrw    CSR_STIMECMP, a3
    j       5f
4:  mv      a0, a3                  // no Sstc: sbi_set_timer (the call keeps all but a0, a1)
    li      a6, 0
    li      a7, SBI_EXTENSION_TIME
    ecall
    ld      a6, HART_CURRENT_ENV(zero)  // the leaving environment again (a6 was the call's)
5:  // The leaving environment's FP registers, if it wrote them: into the context they belong
    // to (a call entry's own, else the main context's, which its upcalls share).
    bgez    s1, 6f
    ld      t1, ENV_GATE(a6)
    srli    t1, t1, GATE_SERVING_SHIFT  // serving a call
    addi    a0, a6, ENV_MAIN_FP
    beqz    t1, 4f
    addi    a0, a6, ENV_UPCALL_FP
4:  call    fpu_save
    li      t1, 1
    sb      t1, CONTEXT_FP_SAVED - CONTEXT_FP(a0)
    ld      t1, HART_CLOCK + CLOCK_HOLD(zero)
    ori     t1, t1, CLOCK_HOLD_FPU_NOT_ZERO
    sd      t1, HART_CLOCK + CLOCK_HOLD(zero)
6:  // The arriving environment's, or zeros (unless the FPU holds nothing else already).
    lbu     t1, ENV_MAIN_FP_SAVED(a5)
    beqz    t1, 4f
    addi    a0, a5, ENV_MAIN_FP
    call    fpu_restore
    ld      t1, HART_CLOCK + CLOCK_HOLD(zero)
    ori     t1, t1, CLOCK_HOLD_FPU_NOT_ZERO
    j       5f
4:  ld      t1, HART_CLOCK + CLOCK_HOLD(zero)
    andi    t2, t1, CLOCK_HOLD_FPU_NOT_ZERO
    beqz    t2, 6f
    call    fpu_clear
    ld      t1, HART_CLOCK + CLOCK_HOLD(zero)
    andi    t1, t1, ~CLOCK_HOLD_FPU_NOT_ZERO
5:  sd      t1, HART_CLOCK + CLOCK_HOLD(zero)
6:  li      t1, SSTATUS_FS_MASK     // sstatus.FS = clean: the registers match what is saved
    csrc    sstatus, t1
    li      t1, SSTATUS_FS_CLEAN
    csrs    sstatus, t1
    .endif
    // The arriving owner (scheduler.cpp's begin_slice, install and transfer::on_enter).
    ld      t1, ENV_SHARED_INFO(a5)
    sd      a4, INFO_CURRENT_SLOT(t1)
    ld      t2, INFO_SLICES_STARTED(t1)
    addi    t2, t2, 1
    sd      t2, INFO_SLICES_STARTED(t1)
    sd      a5, HART_CURRENT_ENV(zero)
    ld      t1, ENV_SATP(a5)
    csrw    satp, t1                // every environment has its own ASID: no flush
    sd      zero, ENV_GATE(a5)      // running: closed to calls
    ld      t0, ENV_MAIN_FRAME(a5)
    ld      t1, ENV_ENTRIES + ENV_ENTRY_SIZE * ABI_ENTRY_SLICE_START(a5)
    bnez    t1, 3f
    sd      t0, ENV_SAVE_AREA(a5)   // no slice-start entry: it resumes its main context
    mv      a0, t0
    j       return_to_user
3:  csrw    sepc, t1                // the slice-start entry, as upcall.cpp's enter_upcall does
    li      t1, 1
    sb      t1, ENV_IN_UPCALL(a5)
    ld      t1, ENV_UPCALL_FRAME(a5)
    sd      t1, ENV_SAVE_AREA(a5)
    // sstatus is as the trap left it (with FS clean after an FP switch): U-mode, interrupts on,
    // the FPU initial or clean, as the C++ would leave it.
    ld      gp, TRAP_FRAME_X + 3*8(t0)
    ld      tp, TRAP_FRAME_X + 4*8(t0)
    csrw    sscratch, sp            // the kernel stack's top, for the next trap
    ld      sp, ENV_ENTRIES + ENV_ENTRY_SIZE * ABI_ENTRY_SLICE_START + ENV_ENTRY_SP(a5)
    mv      a0, a4              // the slot
    mv      a1, a3              // its end
    // The upcall context (t1): the other registers are the entry's own from earlier upcalls.
    .irp n, 1,5,7,8,9,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, TRAP_FRAME_X + \n*8(t1)
    .endr
    ld      t1, TRAP_FRAME_X + 6*8(t1)
    sret
.endm

// ---- A slot ends: the timer interrupt. The running environment's registers are saved where
// the kernel keeps its active context (the main context's frame is its shared info page's
// `preempted`). Then, when nothing unusual holds (SliceClock::hold, and the checks in
// TICK_FAST: what scheduler_tick and run() would look at), the next slot starts here; else the
// C++ ticks (scheduler_tick), with the same outcome. The next owner must be idle (its gate ==
// its id: not waiting, serving or in an upcall), with no upcall pending and no floating-point
// registers to load; the FPU holds zeros and the leaving environment did not write it. The new
// owner enters its slice-start entry as an upcall (gp and tp from its main context, a0 = slot,
// a1 = slot end), or resumes.
timer_interrupt:
    csrrw   sp, sscratch, sp
    ld      t0, HART_CURRENT_ENV(zero)
    ld      t0, ENV_SAVE_AREA(t0)
    SAVE_MOST t0
    ld      t1, HART_SAVED_T0(zero)
    sd      t1, TRAP_FRAME_X + 5*8(t0)
    csrr    t1, sscratch
    sd      t1, TRAP_FRAME_X + 2*8(t0)
    csrr    t1, sepc
    sd      t1, TRAP_FRAME_SEPC(t0)
    csrr    s1, sstatus
    sd      s1, TRAP_FRAME_SSTATUS(t0)
    csrr    t1, scause
    sd      t1, TRAP_FRAME_SCAUSE(t0)
    sd      zero, TRAP_FRAME_STVAL(t0)
    // Every check before the first change; t0 keeps the frame for the C++. The clock and the
    // owners are on the hart page (SliceClock, at HART_CLOCK).
    ld      t1, HART_CLOCK + CLOCK_HOLD(zero)
    bnez    t1, timer_held
    TICK_FAST 0
timer_held:                         // held only by the FPU's contents or the lack of Sstc: the
    andi    t1, t1, ~(CLOCK_HOLD_TIMER_THROUGH_SBI | CLOCK_HOLD_FPU_NOT_ZERO)  // other form
    bnez    t1, tick_slow
tick_fpu:
    TICK_FAST 1

tick_slow:
    mv      a0, t0
    call    handle_user_trap
    j       return_to_user

// UpcallReturn's table slot: the end of an event entered by the device-interrupt path puts back
// the interrupted pc, sp, ra, t0, t1, a0 and a7 from the trap page (what the ecall and the
// table dispatch have used), with no frame saved or restored. Any
// other UpcallReturn (an upcall or call entry in progress, mode 1, an event or revocation
// upcall waiting to be delivered: it waited for this event to end) is the C++'s. Reached like a
// table handler: kernel stack, sepc advanced.
    .globl upcall_return_entry
upcall_return_entry:
    bnez    a0, syscall_with_frame
    ld      t0, HART_CURRENT_ENV(zero)
    lbu     t1, ENV_IN_UPCALL(t0)
    bnez    t1, syscall_with_frame
    lhu     t1, ENV_PENDING(t0)
    bnez    t1, syscall_with_frame
    ld      t1, ENV_GATE(t0)
    srli    t1, t1, GATE_SERVING_SHIFT
    bnez    t1, syscall_with_frame
    ld      t1, ENV_TRAP_PAGE(t0)
    ld      t0, TRAP_PAGE_EVENT_BUSY(t1)
    beqz    t0, syscall_with_frame
    ld      t0, TRAP_PAGE_EVENT_PC(t1)
    csrw    sepc, t0
    sd      zero, TRAP_PAGE_EVENT_BUSY(t1)
    csrw    sscratch, sp
    ld      sp, TRAP_PAGE_EVENT_SP(t1)
    ld      ra, TRAP_PAGE_EVENT_RA(t1)
    ld      a0, TRAP_PAGE_EVENT_A0(t1)
    ld      a7, TRAP_PAGE_EVENT_A7(t1)
    ld      t0, TRAP_PAGE_EVENT_T0(t1)
    ld      t1, TRAP_PAGE_EVENT_T1(t1)
    sret

// A syscall that needs the caller's whole register state (it switches environments or
// rewrites the frame): its table slot points here, and refused transfers come here. The
// kernel stack is in place and sepc advanced; t0 and t1 hold nothing the ABI preserves.
    .globl syscall_with_frame
syscall_with_frame:
    ld      t0, HART_CURRENT_ENV(zero)
    ld      t0, ENV_SAVE_AREA(t0)
    SAVE_MOST t0
    csrr    t1, sscratch
    sd      t1, TRAP_FRAME_X + 2*8(t0)             // the environment's sp
    SAVE_TRAP_CSRS t0
    mv      a0, t0
    call    handle_syscall_with_frame
    // fall through

    .globl return_to_user
return_to_user:                     // a0 = TrapFrame to resume (the running environment's)
    ld      t0, HART_KERNEL_STACK_TOP(zero)
    csrw    sscratch, t0
    ld      t0, TRAP_FRAME_SEPC(a0)
    csrw    sepc, t0
    ld      t0, TRAP_FRAME_SSTATUS(a0)
    csrw    sstatus, t0
    RESTORE_ALL_BUT 10
    ld      a0, TRAP_FRAME_X + 10*8(a0)
    sret

// stvec while the kernel waits with interrupts on (trap.h's wait_for_interrupt_and_take_it):
// every interrupt path above assumes it interrupted U-mode, and never sees these.
    .globl kernel_wait_entry
    .balign 4
kernel_wait_entry:
    sd      t0, HART_SAVED_T0(zero)
    j       trap_from_kernel

// From S-mode: kernel faults, and interrupts while the kernel waits. sp is the kernel's own; if
// it ran into its guard page, move to the emergency stack so the overflow is reported instead of
// faulting forever.
trap_from_kernel:
    sd      sp, HART_INTERRUPTED_SP(zero)
    ld      t0, HART_STACK_BOTTOM(zero)
    addi    t0, t0, TRAP_FRAME_STACK_BYTES
    bgeu    sp, t0, 1f
    ld      sp, HART_EMERGENCY_STACK_TOP(zero)
1:  addi    sp, sp, -TRAP_FRAME_STACK_BYTES
    SAVE_MOST sp
    ld      t0, HART_SAVED_T0(zero)
    sd      t0, TRAP_FRAME_X + 5*8(sp)
    ld      t0, HART_INTERRUPTED_SP(zero)
    sd      t0, TRAP_FRAME_X + 2*8(sp)
    SAVE_TRAP_CSRS sp
    mv      a0, sp
    call    handle_kernel_trap
    ld      t0, TRAP_FRAME_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TRAP_FRAME_SSTATUS(sp)
    csrw    sstatus, t0
    RESTORE_ALL_BUT 2
    ld      sp, TRAP_FRAME_X + 2*8(sp)
    sret

// Before the hart page is mapped (early boot), traps go here: no per-hart data is needed to
// report them, and any trap this early is fatal.
    .globl early_trap_entry
    .balign 4                       // stvec's direct mode needs a 4-byte-aligned base
early_trap_entry:
    addi    sp, sp, -TRAP_FRAME_STACK_BYTES
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, TRAP_FRAME_X + \n*8(sp)
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
