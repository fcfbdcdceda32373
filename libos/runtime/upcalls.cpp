// Upcall entries: the kernel enters them with sp on their own stack and the arguments in a0..a2;
// they never return, they resume through UpcallReturn.
#include <abi/trap_page.h>
#include <cstddef>
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/trap_page.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

// The exception entry (abi/trap_page.h). The kernel enters with sp on our exception stack and
// every other register as the faulting code had it; the trap page holds pc, cause, address and
// the interrupted sp. The entry gathers the whole state as an abi::TrapState on the stack, lets
// the handler decide, and resumes that state (perhaps at another pc) without the kernel: the
// last jump goes through tp, which this library OS reserves for it.
asm(R"(
    .text
    .balign 4
    .globl exos_exception_entry
exos_exception_entry:
    addi    sp, sp, -288
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, 24+8*\n(sp)
    .endr
    lui     t0, 0xf
    ld      t1, 24(t0)
    sd      t1, 16(sp)
    ld      t1, 32(t0)
    sd      t1, 0(sp)
    ld      t1, 40(t0)
    sd      t1, 8(sp)
    ld      t1, 48(t0)
    sd      t1, 24+8*2(sp)
    mv      a0, sp
    call    exos_exception_dispatch
    lui     tp, 0xf
    ld      t0, 16(sp)
    sd      t0, 24(tp)
    ld      t0, 24+8*2(sp)
    sd      t0, 48(tp)
    .irp n, 1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, 24+8*\n(sp)
    .endr
)" EXOS_RESUME_THROUGH_TRAP_PAGE);
static_assert(abi::kTrapPageAddress == 0xf000);
static_assert(offsetof(abi::TrapPage, busy) == 16 && offsetof(abi::TrapPage, pc) == 24);
static_assert(offsetof(abi::TrapPage, cause) == 32 && offsetof(abi::TrapPage, address) == 40);
static_assert(offsetof(abi::TrapPage, sp) == 48);
static_assert(offsetof(abi::TrapState, pc) == 16 && offsetof(abi::TrapState, registers) == 24);
static_assert(sizeof(abi::TrapState) <= 288);
extern "C" void exos_exception_entry();

// The Event entry. The kernel enters it from a device interrupt while we ran (every register
// as interrupted but sp; UpcallReturn puts pc, sp, ra, t0, t1, a0 and a7 back), or as an upcall
// when we next ran. Either way: keep what the C++ may clobber, and tp (an exception inside the
// handlers resumes through it, and the interrupt may have come just before an exception
// handler's own jump through tp), run the handlers, put it all back, UpcallReturn.
asm(R"(
    .text
    .balign 4
    .globl exos_event_entry
exos_event_entry:
    addi    sp, sp, -128
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
    addi    sp, sp, 128
    li      a0, 0
    li      a7, 7
    ecall
    ebreak
)");
extern "C" void exos_event_entry();
extern "C" void exos_event_body();
extern "C" void exos_exception_dispatch(abi::TrapState* state);

namespace exos {
namespace {

ExceptionHandler exception_handler = nullptr;
RevocationHandler revocation_handler = nullptr;
InterruptHandler interrupt_handler = nullptr;
SliceHandler slice_start_handler = nullptr;
SliceHandler slice_end_handler = nullptr;

// One stack per entry: a revocation upcall can follow an exception upcall directly.
alignas(16) char exception_stack[8192];
alignas(16) char revocation_stack[8192];
alignas(16) char event_stack[8192];
alignas(16) char slice_stack[8192];


[[noreturn]] void revocation_entry(uint64_t frames, uint64_t deadline, uint64_t) {
    revocation_handler(frames, deadline);
    upcall_resume();
}


[[noreturn]] void slice_start_entry(uint64_t slot, uint64_t end, uint64_t) {
    slice_start_handler(slot, end);
    // A handler that returns has nothing to restore: the main context continues where the
    // kernel stopped it.
    upcall_resume();
}

[[noreturn]] void slice_end_entry(uint64_t slot, uint64_t deadline, uint64_t) {
    slice_end_handler(slot, deadline);
    for (;;) (void)yield();  // done: the next slot may start now
}

uint64_t stack_top(char* stack, uint64_t size) { return reinterpret_cast<uint64_t>(stack + size); }

}  // namespace

}  // namespace exos

// Every line the kernel marked pending, to the handler (which acknowledges it).
extern "C" void exos_event_body() {
    const volatile abi::SharedInfo& info = exos::shared_info();
    for (uint32_t word = 0; word < 2; ++word) {
        uint64_t pending = info.irq_pending[word];
        for (uint32_t bit = 0; pending != 0; ++bit, pending >>= 1) {
            if (pending & 1) exos::interrupt_handler(word * 64 + bit);
        }
    }
}

// Returns to resume `state` (its pc perhaps changed); a fatal outcome ends the environment.
extern "C" void exos_exception_dispatch(abi::TrapState* state) {
    exos::ExceptionOutcome outcome = exos::exception_handler(*state);
    switch (outcome.kind) {
    case exos::ExceptionOutcome::Kind::Retry: return;
    case exos::ExceptionOutcome::Kind::ResumeAt: state->pc = outcome.value; return;
    case exos::ExceptionOutcome::Kind::Fatal: break;
    }
    exos::exit(static_cast<int>(outcome.value));
}

namespace exos {

void set_exception_handler(ExceptionHandler handler) {
    exception_handler = handler;
    (void)set_entry(abi::Entry::Exception, handler ? reinterpret_cast<uint64_t>(&exos_exception_entry) : 0,
                    stack_top(exception_stack, sizeof(exception_stack)));
}

void set_revocation_handler(RevocationHandler handler) {
    revocation_handler = handler;
    (void)set_entry(abi::Entry::Revocation,
                    handler ? reinterpret_cast<uint64_t>(&revocation_entry) : 0,
                    stack_top(revocation_stack, sizeof(revocation_stack)));
}

void set_interrupt_handler(InterruptHandler handler) {
    interrupt_handler = handler;
    (void)set_entry(abi::Entry::Event, handler ? reinterpret_cast<uint64_t>(&exos_event_entry) : 0,
                    stack_top(event_stack, sizeof(event_stack)));
}

void set_slice_start_handler(SliceHandler handler) {
    slice_start_handler = handler;
    (void)set_entry(abi::Entry::SliceStart, handler ? reinterpret_cast<uint64_t>(&slice_start_entry) : 0,
                    stack_top(slice_stack, sizeof(slice_stack)));
}

void set_slice_end_handler(SliceHandler handler) {
    slice_end_handler = handler;
    (void)set_entry(abi::Entry::SliceEnd, handler ? reinterpret_cast<uint64_t>(&slice_end_entry) : 0,
                    stack_top(slice_stack, sizeof(slice_stack)));
}

uint64_t instruction_length(uint64_t pc) {
    // The low two bits of the first halfword are 11 for 32-bit instructions (ISA spec 1.5).
    return (*reinterpret_cast<const uint16_t*>(pc) & 3) == 3 ? 4 : 2;
}

}  // namespace exos
