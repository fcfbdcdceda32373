// The frame table: one entry per physical frame of RAM saying who owns it and what binds it.
// Every map, free, grant and DMA pin checks it. Logic only: host tests drive it directly.
#pragma once

#include <abi/syscall.h>
#include <cstdint>
#include <optional>
#include <span>

namespace exo {

using EnvironmentSlot = uint16_t;
inline constexpr EnvironmentSlot kNoEnvironment = 0xffff;

namespace frame_flag {
inline constexpr uint8_t kPageTable = 1 << 0;      // a node of its owner's Sv39 tree
inline constexpr uint8_t kTableReserve = 1 << 1;   // donated for future page-table nodes
inline constexpr uint8_t kSharedInfo = 1 << 2;     // its owner's shared info page
inline constexpr uint8_t kEssential = 1 << 3;      // never repossessed
inline constexpr uint8_t kMark = 1 << 7;           // scratch for duplicate detection
// Frames the kernel holds for an environment: not mappable, not freeable by it.
inline constexpr uint8_t kKernelBound = kPageTable | kTableReserve | kSharedInfo;
}  // namespace frame_flag

struct FrameEntry {
    abi::FrameState state = abi::FrameState::Free;
    uint8_t flags = 0;
    EnvironmentSlot owner = kNoEnvironment;
    uint16_t map_count = 0;  // leaf mappings of this frame, in any address space
    uint16_t pin_count = 0;  // DMA in flight into or out of it
};

class FrameTable {
public:
    static constexpr uint16_t kMaxCount = 0xffff;

    // Every frame starts Free; the caller then marks kernel, firmware and reserved frames.
    void init(std::span<FrameEntry> entries, uint64_t first_pfn);

    uint64_t first_pfn() const { return first_pfn_; }
    uint64_t frame_count() const { return entries_.size(); }
    bool contains(uint64_t pfn) const { return pfn - first_pfn_ < entries_.size(); }
    FrameEntry* find(uint64_t pfn) { return contains(pfn) ? &entries_[pfn - first_pfn_] : nullptr; }
    const FrameEntry* find(uint64_t pfn) const {
        return contains(pfn) ? &entries_[pfn - first_pfn_] : nullptr;
    }
    uint64_t count(abi::FrameState state) const { return counts_[static_cast<size_t>(state)]; }

    // Boot-time classification of a frame that is still Free.
    void set_system_state(uint64_t pfn, abi::FrameState state);

    // A named frame (Free -> Owned by `owner`), or the first free one from a rotating cursor.
    abi::Error allocate(uint64_t pfn, EnvironmentSlot owner);
    std::optional<uint64_t> allocate_any(EnvironmentSlot owner);

    // What an environment's FrameFree checks: its own, unmapped, unpinned, not kernel-bound.
    abi::Error check_freeable(uint64_t pfn, EnvironmentSlot owner) const;
    // What a mapping of an owned frame checks (grants are checked by the caller).
    abi::Error check_mappable_by_owner(uint64_t pfn, EnvironmentSlot owner) const;
    // Back to Free, whatever bound it: the destroy and repossession paths, after unmapping.
    void release(uint64_t pfn);
    void transfer(uint64_t pfn, EnvironmentSlot new_owner);

    abi::Error pin(uint64_t pfn);
    abi::Error unpin(uint64_t pfn);

    uint64_t query(uint64_t pfn) const;

private:
    void change_state(FrameEntry& entry, abi::FrameState state);

    std::span<FrameEntry> entries_;
    uint64_t first_pfn_ = 0;
    uint64_t cursor_ = 0;
    uint64_t counts_[5] = {};
};

}  // namespace exo
