// What upcall handlers take and return: the outcome of an exception, and the function types the
// application's own handlers have (the dispatcher's fallbacks and the function-table scheduler).
#pragma once

#include <abi/shared_info.h>
#include <cstdint>

namespace exos {

struct ExceptionOutcome {
    enum class Kind { Retry, ResumeAt, Fatal } kind;
    uint64_t value;  // the pc for ResumeAt, the exit status for Fatal

    static ExceptionOutcome retry() { return {Kind::Retry, 0}; }
    static ExceptionOutcome resume_at(uint64_t pc) { return {Kind::ResumeAt, pc}; }
    static ExceptionOutcome fatal(uint64_t status) { return {Kind::Fatal, status}; }
};

// The trap state as the library OS's exception entry assembled it: the registers at the fault
// (t0, t1 and sp from the trap page, the rest as the kernel left them), pc, cause, address.
// Retry and ResumeAt resume it without entering the kernel (tp is the library OS's: see
// abi/trap_page.h).
using ExceptionHandler = ExceptionOutcome (*)(const volatile abi::TrapState& trap);
// Asked to return `frames` frames by `deadline`: free what the policy chooses.
using RevocationHandler = void (*)(uint64_t frames, uint64_t deadline);

// An interrupt line this environment bound has fired (it stays masked until IrqAck).
using InterruptHandler = void (*)(uint32_t line);
// A slot of ours begins (start) or is about to end (end, with a grace deadline to save state and
// Yield(0)). Start may return (the main context continues) or resume another context; after end
// the runtime yields.
using SliceHandler = void (*)(uint64_t slot, uint64_t deadline);

}  // namespace exos
