// A split virtqueue (virtio 1.2 2.7) in memory the caller provides, driven by the driver side:
// chains of buffers go out through the available ring, and every entry the device puts in the
// used ring is checked before anything believes it. The device is untrusted input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/virtio/dma.h"

namespace exo::virtio {

// The three parts' shapes in shared memory (virtio 1.2 2.7.5, 2.7.6, 2.7.8).
struct VirtqDescriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(VirtqDescriptor) == 16);
static_assert(offsetof(VirtqDescriptor, flags) == 12 && offsetof(VirtqDescriptor, next) == 14);
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "stage_chain writes a descriptor as two words");

struct VirtqUsedElement {
    uint32_t id;
    uint32_t length;
};
static_assert(sizeof(VirtqUsedElement) == 8);

namespace descriptor_flag {
inline constexpr uint16_t kNext = 1;
inline constexpr uint16_t kDeviceWritable = 2;
}  // namespace descriptor_flag

inline constexpr uint16_t kUsedFlagNoNotify = 1;  // the device's hint that it polls
inline constexpr uint64_t kRingHeaderBytes = 4;   // flags and idx, before either ring's entries

// Legacy: one block, the used ring at the next QueueAlign (4096) boundary after the available
// ring (virtio 1.2 2.7.2, "Legacy Interfaces: A Note on Virtqueue Layout"), because the device
// computes all three addresses from one page number. Modern: three addresses, so the parts are
// packed at their own alignments (16, 2, 4).
enum class RingLayout : uint8_t { Legacy, Modern };

struct VirtqueueLayout {
    uint64_t descriptors;  // offsets into the region
    uint64_t available;
    uint64_t used;
    uint64_t bytes;      // the whole region
    uint64_t alignment;  // what the region's physical address must be a multiple of
};

constexpr uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

constexpr VirtqueueLayout virtqueue_layout(uint16_t size, RingLayout layout) {
    const uint64_t descriptors = uint64_t{16} * size;
    const uint64_t available = kRingHeaderBytes + uint64_t{2} * size + 2;  // + used_event
    const uint64_t used = kRingHeaderBytes + uint64_t{8} * size + 2;       // + avail_event
    if (layout == RingLayout::Legacy) {
        const uint64_t used_offset = align_up(descriptors + available, 4096);
        return {0, descriptors, used_offset, used_offset + align_up(used, 4096), 4096};
    }
    const uint64_t used_offset = align_up(descriptors + available, 4);
    return {0, descriptors, used_offset, used_offset + used, 16};
}

// Where the device finds the parts (physical addresses), for the transport to program.
struct QueueAddresses {
    uint64_t descriptors;
    uint64_t available;
    uint64_t used;
};

// One buffer of a chain as the driver offers it.
struct ChainBuffer {
    uint64_t phys;
    uint32_t length;
    bool device_writable;
};

// One used-ring entry that passed every check.
struct UsedChain {
    uint16_t head;
    uint32_t written;  // bytes the device says it wrote, at most what the chain offered
};

class Virtqueue {
public:
    // The bookkeeping below is private to the driver (never in the shared memory, which the
    // device may scribble on) and sized for this many descriptors.
    static constexpr uint16_t kMaxSize = 256;
    static constexpr uint16_t kNoHead = 0xffff;

    // Takes `memory` (zeroed here) for a queue of `size` descriptors, a power of two no larger
    // than kMaxSize. False, with failure() saying why, if the size or the region does not fit.
    bool initialize(DmaRegion memory, uint16_t size, RingLayout layout);

    QueueAddresses addresses() const { return addresses_; }
    uint16_t size() const { return size_; }
    uint16_t free_descriptors() const { return free_count_; }
    uint16_t outstanding() const { return outstanding_; }
    bool failed() const { return failure_ != nullptr; }
    const char* failure() const { return failure_; }

    // The head the next add_chain will use (kNoHead when no descriptor is free), so a driver can
    // place per-request data in a slot indexed by it before publishing the chain.
    uint16_t next_head() const { return free_count_ == 0 ? kNoHead : free_head_; }

    // Publishes a chain of `count` buffers (device-readable ones must come before writable ones,
    // virtio 1.2 2.7.4.2) and returns its head, or kNoHead with nothing changed when fewer than
    // `count` descriptors are free, count is 0, or the queue has failed.
    uint16_t add_chain(const ChainBuffer* buffers, uint16_t count);
    // add_chain in two halves, so a batch costs one fence and one index store: stage_chain
    // writes the chain and its ring entry (the device does not see it yet), publish() moves the
    // ring's index past every chain staged since the last publish (false: there were none).
    uint16_t stage_chain(const ChainBuffer* buffers, uint16_t count);
    bool publish();
    // stage_chain for the usual shape, without the array: a device-readable header, a middle
    // buffer (none when middle.length is 0), a device-writable tail. Every block request has it
    // (header, data or discard range, status byte); it is the disk's hot path.
    uint16_t stage_short_chain(ChainBuffer header, ChainBuffer middle, ChainBuffer tail);

    // Whether the device asked to be notified of new buffers (the used ring's NO_NOTIFY hint);
    // call after add_chain and before the transport's notify. A lying device only delays itself.
    bool should_notify() const;

    // Calls on_used(UsedChain) for each new used entry, in ring order, after checking it; the
    // chain's descriptors are free again before the call. Stops at the first entry that breaks
    // a rule and marks the queue failed. Returns how many it delivered.
    template <typename OnUsed>
    uint32_t harvest(OnUsed&& on_used) {
        uint32_t delivered = 0;
        for (uint16_t ready = used_ready(); ready > 0; --ready) {
            UsedChain used{};
            if (!take_used(used)) break;
            on_used(used);
            ++delivered;
        }
        return delivered;
    }

    // After the device has been reset (so it no longer touches the chains): frees every
    // outstanding chain and calls on_released(head) for each. Returns how many.
    template <typename OnReleased>
    uint32_t release_all(OnReleased&& on_released) {
        uint32_t released = 0;
        for (uint16_t head = 0; head < size_; ++head) {
            if (chain_length_[head] == 0) continue;
            release_chain(head);
            on_released(head);
            ++released;
        }
        return released;
    }

    // Records the first reason the queue can no longer be trusted; later calls keep the first.
    void fail(const char* reason);

private:
    uint16_t used_ready();            // checked count of new used entries, 0 once failed
    bool take_used(UsedChain& used);  // checks and frees one; false (failed) if it lies
    void release_chain(uint16_t head);

    volatile VirtqDescriptor* descriptor(uint16_t index) const;
    volatile uint16_t* available_field(uint32_t index) const;    // 0 flags, 1 idx, 2.. ring
    volatile uint16_t* used_header_field(uint32_t index) const;  // 0 flags, 1 idx
    volatile VirtqUsedElement* used_element(uint16_t slot) const;

    std::byte* ring_ = nullptr;
    VirtqueueLayout layout_{};
    QueueAddresses addresses_{};
    uint16_t size_ = 0;
    const char* failure_ = "not initialized";

    // Driver-private state: the device never sees it, so nothing it writes can steer it.
    uint16_t free_head_ = 0;
    uint16_t free_count_ = 0;
    uint16_t outstanding_ = 0;
    uint16_t next_available_ = 0; // our copy of avail->idx: never read back from shared memory
    uint16_t staged_ = 0;         // chains in the ring past next_available_, not yet published
    uint16_t next_used_ = 0;      // the used-ring index we will check next
    uint16_t next_[kMaxSize]{};   // free list and chain links
    uint16_t chain_length_[kMaxSize]{};   // > 0 only for the head of an outstanding chain
    uint64_t writable_bytes_[kMaxSize]{}; // per outstanding head: what the device may write
};

}  // namespace exo::virtio
