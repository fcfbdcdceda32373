// The frame table: one entry per physical frame of RAM saying who owns it and what binds it.
// Every map, free, grant and DMA pin checks it. It also keeps the free frames in two groups,
// those known to be zero and those not, so that allocation can skip zeroing a frame that idle
// time already cleared (frame_zeroing.h). Logic only: host tests drive it directly.
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
inline constexpr uint8_t kSharedInfo = 1 << 2;     // its owner's shared info or trap page
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

// What allocation hands back: the frame, and whether its bytes are already known to be zero
// (when not, the caller zeroes it before anyone can see it).
struct FrameAllocation {
    uint64_t pfn = 0;
    bool zeroed = false;
};

class FrameTable {
public:
    static constexpr uint16_t kMaxCount = 0xffff;
    // Words of free-frame index storage init needs per frame.
    static constexpr uint64_t kFreeIndexWordsPerFrame = 2;

    // Every frame starts Free and not known zero; the caller then marks kernel, firmware and
    // reserved frames. `free_index` holds kFreeIndexWordsPerFrame words per entry.
    void init(std::span<FrameEntry> entries, std::span<uint32_t> free_index, uint64_t first_pfn);

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

    // A named frame (Free -> Owned by `owner`).
    abi::Error allocate(uint64_t pfn, EnvironmentSlot owner, bool* zeroed = nullptr);
    // Any free frame (Free -> Owned by `owner`): one known to be zero when there is one (the one
    // zeroed last), otherwise the free frame that was freed last.
    std::optional<FrameAllocation> take_free(EnvironmentSlot owner);
    // The same, for callers that zero the frame whatever it holds.
    std::optional<uint64_t> allocate_any(EnvironmentSlot owner) {
        std::optional<FrameAllocation> taken = take_free(owner);
        return taken ? std::optional<uint64_t>(taken->pfn) : std::nullopt;
    }

    // What an environment's FrameFree checks: its own, unmapped, unpinned, not kernel-bound.
    abi::Error check_freeable(uint64_t pfn, EnvironmentSlot owner) const;
    // What a mapping of an owned frame checks (grants are checked by the caller).
    abi::Error check_mappable_by_owner(uint64_t pfn, EnvironmentSlot owner) const;
    // Back to Free, whatever bound it: the destroy and repossession paths, after unmapping.
    // The frame joins the free frames not known to be zero.
    void release(uint64_t pfn);
    // Hands an unmapped frame to another owner (a mapping of one's own frame is marked as such
    // in its entry, address_space.h: the frame must not change hands under it).
    void transfer(uint64_t pfn, EnvironmentSlot new_owner);

    abi::Error pin(uint64_t pfn);
    abi::Error unpin(uint64_t pfn);

    uint64_t query(uint64_t pfn) const;

    // Free frames known to be zero, and free frames not known to be.
    uint64_t zeroed_free_count() const { return zeroed_; }
    uint64_t unzeroed_free_count() const { return count(abi::FrameState::Free) - zeroed_; }
    bool known_zero(uint64_t pfn) const;
    // The next free frame to zero in idle time; after zeroing all of it, the caller reports it
    // with mark_zeroed (nothing else may touch the table in between).
    std::optional<uint64_t> next_to_zero() const;
    void mark_zeroed(uint64_t pfn);

private:
    void change_state(FrameEntry& entry, abi::FrameState state);
    // The free index: order_[0, zeroed_) are free frames known to be zero, order_[zeroed_, free)
    // the other free frames (free = the Free count); position_[i] is frame i's place in order_.
    void take_from_free(uint32_t index);
    void put_with_free(uint32_t index);
    void place(uint32_t index, uint32_t at) {
        order_[at] = index;
        position_[index] = at;
    }
    uint32_t free_end() const { return static_cast<uint32_t>(count(abi::FrameState::Free)); }

    std::span<FrameEntry> entries_;
    std::span<uint32_t> order_;
    std::span<uint32_t> position_;
    uint64_t first_pfn_ = 0;
    uint32_t zeroed_ = 0;
    uint64_t counts_[5] = {};
};

// ---- the allocation and free fast paths, in line for the syscalls ----
inline void FrameTable::change_state(FrameEntry& entry, abi::FrameState state) {
    --counts_[static_cast<size_t>(entry.state)];
    ++counts_[static_cast<size_t>(state)];
    entry.state = state;
}

// `index` is still counted Free. The hole it leaves is filled so that both groups stay dense:
// a zeroed frame's hole takes the last zeroed frame (and the hole moves to the boundary), then
// the last free frame fills the hole unless the hole is the last place itself.
inline void FrameTable::take_from_free(uint32_t index) {
    uint32_t at = position_[index];
    uint32_t last = free_end() - 1;
    if (at < zeroed_) {
        uint32_t boundary = --zeroed_;
        place(order_[boundary], at);
        at = boundary;
    }
    if (at != last) place(order_[last], at);
}

// `index` is not yet counted Free: it joins the frames not known to be zero.
inline void FrameTable::put_with_free(uint32_t index) { place(index, free_end()); }

inline std::optional<FrameAllocation> FrameTable::take_free(EnvironmentSlot owner) {
    uint32_t free = free_end();
    if (free == 0) return std::nullopt;
    bool zeroed = zeroed_ != 0;
    uint32_t index = order_[zeroed ? zeroed_ - 1 : free - 1];
    take_from_free(index);
    FrameEntry& entry = entries_[index];
    change_state(entry, abi::FrameState::Owned);
    entry.owner = owner;
    entry.flags = 0;
    return FrameAllocation{first_pfn_ + index, zeroed};
}

inline abi::Error FrameTable::check_freeable(uint64_t pfn, EnvironmentSlot owner) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr) return abi::Error::OutOfRange;
    if (entry->state != abi::FrameState::Owned || entry->owner != owner) return abi::Error::NotOwner;
    if (entry->map_count != 0 || entry->pin_count != 0 ||
        (entry->flags & frame_flag::kKernelBound)) {
        return abi::Error::FrameInUse;
    }
    return abi::Error::Ok;
}

inline void FrameTable::release(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr) return;
    // A frame already free keeps its place (and, if it has one, its known-zero standing).
    if (entry->state != abi::FrameState::Free) {
        put_with_free(static_cast<uint32_t>(pfn - first_pfn_));
        change_state(*entry, abi::FrameState::Free);
    }
    *entry = FrameEntry{};
}

// The idle loop's hook (kernel builds, idle_zeroing.cpp): zeroes free frames until an interrupt
// is pending. Declared here, where every kernel file already looks, so the idle loop needs no
// new include.
void zero_free_frames_while_idle();

}  // namespace exo
