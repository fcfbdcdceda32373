// Upcall entries: the kernel enters them with sp on their own stack and the arguments in a0..a2;
// they never return, they resume through UpcallReturn.
#include <exo/console.h>
#include <exo/shared_info.h>
#include <exo/syscall.h>
#include <exo/upcalls.h>

namespace exo {
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

[[noreturn]] void exception_entry(uint64_t, uint64_t, uint64_t) {
    ExceptionOutcome outcome = exception_handler(shared_info().trap);
    switch (outcome.kind) {
    case ExceptionOutcome::Kind::Retry: upcall_resume();
    case ExceptionOutcome::Kind::ResumeAt: upcall_resume_at(outcome.value);
    case ExceptionOutcome::Kind::Fatal: break;
    }
    exit(static_cast<int>(outcome.value));
}

[[noreturn]] void revocation_entry(uint64_t frames, uint64_t deadline, uint64_t) {
    revocation_handler(frames, deadline);
    upcall_resume();
}

[[noreturn]] void event_entry(uint64_t, uint64_t, uint64_t) {
    const volatile abi::SharedInfo& info = shared_info();
    for (uint32_t word = 0; word < 2; ++word) {
        uint64_t pending = info.irq_pending[word];
        for (uint32_t bit = 0; pending != 0; ++bit, pending >>= 1) {
            if (pending & 1) interrupt_handler(word * 64 + bit);
        }
    }
    upcall_resume();
}

[[noreturn]] void slice_start_entry(uint64_t slot, uint64_t end, uint64_t) {
    slice_start_handler(slot, end);
    // A handler that returns has nothing to restore: continue where the kernel stopped us.
    if (shared_info().preempted_valid) {
        (void)syscall(abi::Syscall::ResumeContext,
                      reinterpret_cast<uint64_t>(const_cast<abi::TrapState*>(&shared_info().preempted)));
    }
    for (;;) (void)yield();
}

[[noreturn]] void slice_end_entry(uint64_t slot, uint64_t deadline, uint64_t) {
    slice_end_handler(slot, deadline);
    for (;;) (void)yield();  // done: the next slot may start now
}

uint64_t stack_top(char* stack, uint64_t size) { return reinterpret_cast<uint64_t>(stack + size); }

}  // namespace

void set_exception_handler(ExceptionHandler handler) {
    exception_handler = handler;
    (void)set_entry(abi::Entry::Exception, handler ? reinterpret_cast<uint64_t>(&exception_entry) : 0,
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
    (void)set_entry(abi::Entry::Event, handler ? reinterpret_cast<uint64_t>(&event_entry) : 0,
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

}  // namespace exo
