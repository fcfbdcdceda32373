// The upcall dispatcher's decisions (see dispatcher.h).
#include <exos/dispatcher.h>

namespace exos {

bool is_memory_fault(uint64_t cause) {
    // Instruction, load and store access faults (1, 5, 7) and page faults (12, 13, 15).
    return cause == 1 || cause == 5 || cause == 7 || cause == 12 || cause == 13 || cause == 15;
}

abi::Error UpcallDispatcher::add_memory_policy(MemoryPolicy& policy) {
    for (size_t i = 0; i < count_; ++i) {
        if (policies_[i] == &policy) return abi::Error::AlreadyExists;
    }
    if (count_ == kMaxMemoryPolicies) return abi::Error::TooMany;
    policies_[count_++] = &policy;
    return abi::Error::Ok;
}

abi::Error UpcallDispatcher::set_scheduler(SliceScheduler& scheduler) {
    if (scheduler_ != nullptr && scheduler_ != &scheduler) return abi::Error::AlreadyExists;
    scheduler_ = &scheduler;
    return abi::Error::Ok;
}

std::optional<ExceptionOutcome>
UpcallDispatcher::dispatch_fault(const volatile abi::TrapState& trap) {
    for (size_t i = 0; i < count_; ++i) {
        if (policies_[i]->claims(trap)) return policies_[i]->handle_fault(trap);
    }
    if (exception_fallback_ != nullptr) return exception_fallback_(trap);
    return std::nullopt;
}

uint64_t UpcallDispatcher::dispatch_revocation(uint64_t frames, uint64_t deadline) {
    uint64_t freed = 0;
    for (size_t i = 0; i < count_ && freed < frames; ++i) {
        uint64_t given = policies_[i]->give_back(frames - freed);
        freed += given < frames - freed ? given : frames - freed;
    }
    if (freed < frames && revocation_fallback_ != nullptr)
        revocation_fallback_(frames - freed, deadline);
    return freed;
}

}  // namespace exos
