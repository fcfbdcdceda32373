// The runtime's upcall entries: the kernel enters each with sp on its own stack and the
// arguments in a0..a2; every one hands its upcall to the dispatcher and resumes without
// returning (UpcallReturn, a yield, or for exceptions a jump back through the trap page).
#include <abi/trap_page.h>
#include <cstddef>
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/trap_page.h>

#include <exos/upcalls.h>

#include "entries.h"

extern "C" void exos_exception_entry();
extern "C" void exos_event_entry();
extern "C" void exos_exception_dispatch(abi::TrapState* state);
extern "C" void exos_event_body();

namespace exos::runtime {
namespace {

// Where the exception entry keeps the trap state: an abi::TrapState at the bottom of a frame
// rounded up to the stack's 16-byte alignment.
constexpr uint64_t kExceptionFrame = (sizeof(abi::TrapState) + 15) / 16 * 16;
// What the event entry keeps: ra, t0..t6, a1..a6 and tp.
constexpr uint64_t kEventFrame = 128;

// Top-level asm takes no operands (GCC 12), so each entry is emitted from inside a function
// that is never called: its asm takes the ABI's numbers and offsets as "i" operands, and
// .pushsection puts the entry's code in a section of its own.
//
// The exception entry (abi/trap_page.h). The kernel enters with sp on our exception stack and
// every other register as the faulting code had it; the trap page holds pc, cause, address and
// the interrupted sp. The entry gathers the whole state as an abi::TrapState on the stack, lets
// the dispatcher decide, and resumes that state (perhaps at another pc) without the kernel: the
// last jump goes through tp, which this library OS reserves for it.
[[gnu::used]] void emit_exception_entry() {
    asm volatile(R"(
    .pushsection .text.exos_exception_entry, "ax", @progbits
    .balign 4
    .globl exos_exception_entry
exos_exception_entry:
    addi    sp, sp, -%[frame]
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, %[registers]+8*\n(sp)
    .endr
    lui     t0, %[trap_page_high]
    ld      t1, %[trap_page_pc](t0)
    sd      t1, %[state_pc](sp)
    ld      t1, %[trap_page_cause](t0)
    sd      t1, %[state_cause](sp)
    ld      t1, %[trap_page_address](t0)
    sd      t1, %[state_address](sp)
    ld      t1, %[trap_page_sp](t0)
    sd      t1, %[registers]+8*2(sp)
    mv      a0, sp
    call    exos_exception_dispatch
    lui     tp, %[trap_page_high]
    ld      t0, %[state_pc](sp)
    sd      t0, %[trap_page_pc](tp)
    ld      t0, %[registers]+8*2(sp)
    sd      t0, %[trap_page_sp](tp)
    .irp n, 1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, %[registers]+8*\n(sp)
    .endr
    )" EXOS_RESUME_THROUGH_TRAP_PAGE R"(
    .popsection
    )"
                 :
                 : EXOS_TRAP_PAGE_OPERANDS, [frame] "i"(kExceptionFrame),
                   [registers] "i"(offsetof(abi::TrapState, registers)),
                   [state_pc] "i"(offsetof(abi::TrapState, pc)),
                   [state_cause] "i"(offsetof(abi::TrapState, cause)),
                   [state_address] "i"(offsetof(abi::TrapState, address)));
}

// The Event entry. The kernel enters it from a device interrupt while we ran (every register
// as interrupted but sp; UpcallReturn puts pc, sp, ra, t0, t1, a0 and a7 back), or as an upcall
// when we next ran. Either way: keep what the C++ may clobber, and tp (an exception inside the
// handlers resumes through it, and the interrupt may have come just before an exception
// handler's own jump through tp), run the handlers, put it all back, UpcallReturn(0).
[[gnu::used]] void emit_event_entry() {
    asm volatile(R"(
    .pushsection .text.exos_event_entry, "ax", @progbits
    .balign 4
    .globl exos_event_entry
exos_event_entry:
    addi    sp, sp, -%[frame]
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      t3, 32(sp)
    sd      t4, 40(sp)
    sd      t5, 48(sp)
    sd      t6, 56(sp)
    sd      a1, 64(sp)
    sd      a2, 72(sp)
    sd      a3, 80(sp)
    sd      a4, 88(sp)
    sd      a5, 96(sp)
    sd      a6, 104(sp)
    sd      tp, 112(sp)
    call    exos_event_body
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      t3, 32(sp)
    ld      t4, 40(sp)
    ld      t5, 48(sp)
    ld      t6, 56(sp)
    ld      a1, 64(sp)
    ld      a2, 72(sp)
    ld      a3, 80(sp)
    ld      a4, 88(sp)
    ld      a5, 96(sp)
    ld      a6, 104(sp)
    ld      tp, 112(sp)
    addi    sp, sp, %[frame]
    li      a0, 0
    li      a7, %[upcall_return]
    ecall
    ebreak
    .popsection
    )"
                 :
                 : [frame] "i"(kEventFrame),
                   [upcall_return] "i"(static_cast<uint64_t>(abi::Syscall::UpcallReturn)));
}

UpcallDispatcher the_dispatcher;

// One stack per entry: a revocation upcall can follow an exception directly.
alignas(16) char exception_stack[8192];
alignas(16) char revocation_stack[8192];
alignas(16) char event_stack[8192];
alignas(16) char slice_stack[8192];

[[noreturn]] void on_revocation(uint64_t frames, uint64_t deadline, uint64_t) {
    (void)the_dispatcher.dispatch_revocation(frames, deadline);
    upcall_resume();
}

[[noreturn]] void on_slice_start(uint64_t slot, uint64_t end, uint64_t) {
    if (SliceScheduler* scheduler = the_dispatcher.scheduler()) scheduler->slice_start(slot, end);
    // A scheduler that returns has nothing to restore: the main context continues where the
    // kernel stopped it.
    upcall_resume();
}

[[noreturn]] void on_slice_end(uint64_t slot, uint64_t deadline, uint64_t) {
    if (SliceScheduler* scheduler = the_dispatcher.scheduler())
        scheduler->slice_end(slot, deadline);
    for (;;) (void)yield();  // done: the next slot may start now
}

uint64_t stack_top(char* stack, uint64_t size) { return reinterpret_cast<uint64_t>(stack + size); }

template <typename Function>
EntryPoint entry(Function* function, char* stack, uint64_t size) {
    return {reinterpret_cast<uint64_t>(function), stack_top(stack, size)};
}

}  // namespace

UpcallDispatcher& dispatcher() { return the_dispatcher; }

EntryPoint exception_entry() {
    return entry(&exos_exception_entry, exception_stack, sizeof(exception_stack));
}
EntryPoint revocation_entry() {
    return entry(&on_revocation, revocation_stack, sizeof(revocation_stack));
}
EntryPoint event_entry() { return entry(&exos_event_entry, event_stack, sizeof(event_stack)); }
EntryPoint slice_start_entry() { return entry(&on_slice_start, slice_stack, sizeof(slice_stack)); }
EntryPoint slice_end_entry() { return entry(&on_slice_end, slice_stack, sizeof(slice_stack)); }

}  // namespace exos::runtime

static_assert(sizeof(abi::TrapState) <= exos::runtime::kExceptionFrame);

// Every line the kernel marked pending, to the scheduler's event hook (which acknowledges it).
extern "C" void exos_event_body() {
    exos::SliceScheduler* scheduler = exos::runtime::dispatcher().scheduler();
    if (scheduler == nullptr) return;
    const volatile abi::SharedInfo& info = exos::shared_info();
    for (uint32_t word = 0; word < 2; ++word) {
        uint64_t pending = info.irq_pending[word];
        for (uint32_t bit = 0; pending != 0; ++bit, pending >>= 1) {
            if (pending & 1) scheduler->event(word * 64 + bit);
        }
    }
}

// Returns to resume `state` (its pc perhaps changed); a fatal outcome ends the environment, and
// so does a fault nothing claims, after saying what it was.
extern "C" void exos_exception_dispatch(abi::TrapState* state) {
    std::optional<exos::ExceptionOutcome> outcome =
        exos::runtime::dispatcher().dispatch_fault(*state);
    if (!outcome) {
        exos::printf(
            "exos: unclaimed %s at pc %lx, address %lx: no memory policy or handler takes it\n",
            exos::exception_name(state->cause), state->pc, state->address);
        exos::exit(exos::kUnclaimedFaultStatus);
    }
    switch (outcome->kind) {
    case exos::ExceptionOutcome::Kind::Retry: return;
    case exos::ExceptionOutcome::Kind::ResumeAt: state->pc = outcome->value; return;
    case exos::ExceptionOutcome::Kind::Fatal: break;
    }
    exos::exit(static_cast<int>(outcome->value));
}
