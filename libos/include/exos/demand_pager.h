// A general-purpose memory policy: a region of virtual memory backed on first touch, with FIFO
// eviction when frames run out or the kernel asks for some back. There is no backing store
// yet, so an evicted page comes back zeroed: the region behaves as a cache.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/frame_pool.h>
#include <exos/memory_policy.h>

namespace exos {

class DemandPager final : public MemoryPolicy {
public:
    static constexpr uint64_t kMaxResident = 256;

    // Serves faults in [base, base + pages * 4 KiB) with at most `resident_limit` pages mapped,
    // registered with the upcall dispatcher beside whatever other policies the environment runs.
    abi::Error start(FramePool& pool, uint64_t base, uint64_t pages, uint64_t resident_limit);
    bool contains(uint64_t address) const { return address - base_ < pages_ * 4096; }
    uint64_t faults() const { return faults_; }
    uint64_t evictions() const { return evictions_; }
    uint64_t resident() const { return resident_count_; }
    uint64_t given_back() const { return given_back_; }

    // Page faults in the region.
    bool claims(const volatile abi::TrapState& trap) const override;
    ExceptionOutcome handle_fault(const volatile abi::TrapState& trap) override;
    // Gives back up to `frames`: spare pooled frames first, then the oldest resident pages.
    uint64_t give_back(uint64_t frames) override;
    const char* name() const override { return "demand pager"; }

private:
    bool evict_oldest();

    FramePool* pool_ = nullptr;
    uint64_t base_ = 0;
    uint64_t pages_ = 0;
    uint64_t limit_ = 0;
    uint64_t resident_[kMaxResident] = {};  // virtual addresses, oldest at head_
    uint64_t head_ = 0;
    volatile uint64_t resident_count_ = 0;
    // volatile: the fault handler updates them between any two statements of the main program.
    volatile uint64_t faults_ = 0;
    volatile uint64_t evictions_ = 0;
    volatile uint64_t given_back_ = 0;
};

}  // namespace exos
