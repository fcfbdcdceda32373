// A real-time memory policy: everything is allocated, mapped and marked essential up front, a
// fault is a bug (never paged), and revocation gets only frames set aside as spare.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/frame_pool.h>
#include <exos/memory_policy.h>

namespace exos {

class PinnedMemory final : public MemoryPolicy {
public:
    // Maps `pages` pages at `base` now, keeps `spare` frames to give back on request, marks the
    // mapped frames essential, and registers with the upcall dispatcher.
    abi::Error start(FramePool& pool, uint64_t base, uint64_t pages, uint64_t spare);
    uint64_t spare() const { return spare_.size(); }
    uint64_t given_back() const { return given_back_; }

    // Memory faults in the region: a bug for this policy, reported and fatal (status 95).
    bool claims(const volatile abi::TrapState& trap) const override;
    ExceptionOutcome handle_fault(const volatile abi::TrapState& trap) override;
    // Only the spare frames: the mapped ones are what the real-time code relies on.
    uint64_t give_back(uint64_t frames) override;
    const char* name() const override { return "pinned memory"; }

private:
    FramePool spare_;
    uint64_t base_ = 0;
    uint64_t pages_ = 0;
    volatile uint64_t given_back_ = 0;  // volatile: the revocation upcall updates it
};

}  // namespace exos
