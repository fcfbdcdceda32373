// The upcall dispatcher's decisions: which memory policy a fault goes to, which policies give
// frames back under revocation, which scheduler takes slot upcalls. The entries that call it
// live in runtime/upcall_entries.cpp; this part makes no syscall, so host suites test it.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <exos/memory_policy.h>
#include <exos/slice_scheduler.h>
#include <exos/upcall_types.h>

namespace exos {

class UpcallDispatcher {
public:
    static constexpr size_t kMaxMemoryPolicies = 4;

    // Ok; AlreadyExists if this policy registered before; TooMany past kMaxMemoryPolicies.
    abi::Error add_memory_policy(MemoryPolicy& policy);
    // Ok, also for the scheduler already registered; AlreadyExists while another one schedules:
    // two schedulers would both resume contexts at each slot start, so neither could keep its
    // threads (docs/design.md).
    abi::Error set_scheduler(SliceScheduler& scheduler);
    // The application's own handlers, asked last: for faults no policy claims, and for the frames
    // the policies could not give.
    void set_fallback_exception_handler(ExceptionHandler handler) { exception_fallback_ = handler; }
    void set_fallback_revocation_handler(RevocationHandler handler) {
        revocation_fallback_ = handler;
    }

    // The first policy (in registration order) that claims the fault resolves it, else the
    // application's handler; nothing if neither takes it (the runtime reports it).
    std::optional<ExceptionOutcome> dispatch_fault(const volatile abi::TrapState& trap);
    // Asks each policy in registration order for what is still wanted, until `frames` have been
    // freed; the application's handler gets the rest. Returns what the policies freed.
    uint64_t dispatch_revocation(uint64_t frames, uint64_t deadline);

    bool takes_exceptions() const { return count_ != 0 || exception_fallback_ != nullptr; }
    bool takes_revocation() const { return count_ != 0 || revocation_fallback_ != nullptr; }
    SliceScheduler* scheduler() const { return scheduler_; }
    size_t memory_policy_count() const { return count_; }

private:
    MemoryPolicy* policies_[kMaxMemoryPolicies] = {};
    size_t count_ = 0;
    SliceScheduler* scheduler_ = nullptr;
    ExceptionHandler exception_fallback_ = nullptr;
    RevocationHandler revocation_fallback_ = nullptr;
};

}  // namespace exos
