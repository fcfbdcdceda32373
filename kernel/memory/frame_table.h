// The frame table: one entry per physical frame of RAM saying who owns it and what binds it.
// Every map, free, grant and DMA pin checks it. It also keeps the free frames in two groups,
// those known to be zero and those not, so that allocation can skip zeroing a frame that idle
// time already cleared (frame_zeroing.h). Logic only: host tests drive it directly.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
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

// A frame's state in one byte of its entry (abi::FrameState is a 64-bit enum because it travels
// in a register). Converts both ways, so entries read and compare as if it were the enum.
class FrameStateByte {
public:
    constexpr FrameStateByte(abi::FrameState state = abi::FrameState::Free)
        : raw_(static_cast<uint8_t>(state)) {}
    constexpr operator abi::FrameState() const { return static_cast<abi::FrameState>(raw_); }

private:
    uint8_t raw_;
};

// One 64-bit word, laid out so the syscalls' checks are one load, a mask and a compare (see
// frame_word below): flags in bits 0-7, the state in 8-15, the owner in 16-31, then the pin count
// and the map count.
struct alignas(8) FrameEntry {
    uint8_t flags = 0;
    FrameStateByte state;
    EnvironmentSlot owner = kNoEnvironment;
    uint16_t pin_count = 0;  // DMA in flight into or out of it
    uint16_t map_count = 0;  // leaf mappings of this frame, in any address space

    constexpr FrameEntry() = default;
    constexpr FrameEntry(abi::FrameState state_, uint8_t flags_, EnvironmentSlot owner_,
                         uint16_t map_count_, uint16_t pin_count_)
        : flags(flags_), state(state_), owner(owner_), pin_count(pin_count_),
          map_count(map_count_) {}
};
static_assert(sizeof(FrameEntry) == 8, "one word per frame");
static_assert(offsetof(FrameEntry, flags) == 0 && offsetof(FrameEntry, state) == 1 &&
              offsetof(FrameEntry, owner) == 2 && offsetof(FrameEntry, pin_count) == 4 &&
              offsetof(FrameEntry, map_count) == 6, "the layout frame_word reads");

// The entry as one word, for the fast paths' checks.
namespace frame_word {
inline constexpr unsigned kStateShift = 8;
inline constexpr unsigned kOwnerShift = 16;
inline constexpr unsigned kMapCountShift = 48;  // the top: a count at its limit carries out
inline constexpr uint64_t kOneMapping = uint64_t{1} << kMapCountShift;
inline constexpr uint64_t kOnePin = uint64_t{1} << 32;  // pin_count's lowest bit
// Every bit a FrameFree check compares: all but the essential flag (an essential frame may be
// freed; kernel-bound and scratch flags, pins and mappings all refuse).
inline constexpr uint64_t kFreeCheckMask = ~uint64_t{frame_flag::kEssential};
// An ordinary frame of `owner`, no flag but possibly essential, unpinned and unmapped; a Map
// check compares only the low 32 bits (flags, state, owner): pins and mappings do not refuse it.
constexpr uint64_t owned_by(EnvironmentSlot owner) {
    return (static_cast<uint64_t>(abi::FrameState::Owned) << kStateShift) |
           (uint64_t{owner} << kOwnerShift);
}
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the layout above is little-endian");
// A word that may alias the entry's fields (one ld; memcpy is expanded byte by byte here).
using AliasingWord [[gnu::may_alias]] = uint64_t;
inline uint64_t load(const FrameEntry& entry) {
    return *reinterpret_cast<const AliasingWord*>(&entry);
}
// The disk's rule for a frame the device may read or write: `owner`'s, and not a frame the
// kernel holds for it (page table, table reserve, shared info); essential and scratch flags,
// pins and mappings do not matter. One rule for the rings and the requests' runs.
inline constexpr uint64_t kPlainMask = 0xffff'ff00 | frame_flag::kKernelBound;
inline bool owned_plain(uint64_t word, EnvironmentSlot owner) {
    return (word & kPlainMask) == owned_by(owner);
}
inline void store(FrameEntry& entry, uint64_t word) {
    *reinterpret_cast<AliasingWord*>(&entry) = word;
}
}  // namespace frame_word

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
    uint64_t frame_count() const { return count_; }
    bool contains(uint64_t pfn) const { return pfn - first_pfn_ < count_; }
    FrameEntry* find(uint64_t pfn) { return contains(pfn) ? &entries_[pfn - first_pfn_] : nullptr; }
    const FrameEntry* find(uint64_t pfn) const {
        return contains(pfn) ? &entries_[pfn - first_pfn_] : nullptr;
    }
    // The entry of a frame contains() vouched for.
    FrameEntry& at(uint64_t pfn) { return entries_[pfn - first_pfn_]; }
    uint64_t count(abi::FrameState state) const;

    // Boot-time classification of a frame that is still Free, as Kernel, Reserved or Device.
    void set_system_state(uint64_t pfn, abi::FrameState state);

    // A named frame (Free -> Owned by `owner`).
    abi::Error allocate(uint64_t pfn, EnvironmentSlot owner, bool* zeroed = nullptr);
    // Any free frame (Free -> Owned by `owner`): one known to be zero when there is one (the one
    // zeroed last), otherwise the top of the unzeroed stack (the frame freed last, unless a
    // frame left that stack from the middle since: its top filled the hole).
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
    // The same for a frame known to be Owned (FrameFree, after check_freeable).
    void release_owned(uint64_t pfn);
    // Hands an unmapped frame to another owner (a mapping of one's own frame is marked as such
    // in its entry, address_space.h: the frame must not change hands under it).
    void transfer(uint64_t pfn, EnvironmentSlot new_owner);

    abi::Error pin(uint64_t pfn);
    abi::Error unpin(uint64_t pfn);
    // The disk's pin, for `count` consecutive frames: each must be `owner`'s plain RAM (not a
    // page table, shared-info or reserve frame the kernel holds for it, which DMA could
    // overwrite). All pinned, or none and NotOwner. One word a frame and no limit check: the
    // caller holds at most kMaxDiskPins pins of any frame (the disk's requests in flight and
    // its rings; disk.h asserts it), far below kMaxCount.
    static constexpr uint16_t kMaxDiskPins = 1024;
    abi::Error pin_owned_run(uint64_t first, uint64_t count, EnvironmentSlot owner);
    // Undoes pin_owned_run: every frame of the run must hold a pin of the caller's.
    void unpin_run(uint64_t first, uint64_t count);
    // An ended environment's pinned frame: owned by nobody (kNoEnvironment) until its last pin
    // goes, when the disk's completion releases it. Its flags go: it is no one's page any more.
    void orphan(uint64_t pfn);

    uint64_t query(uint64_t pfn) const;

    // Free frames known to be zero, and free frames not known to be.
    uint64_t zeroed_free_count() const { return zeroed_; }
    uint64_t unzeroed_free_count() const { return unzeroed_; }
    bool known_zero(uint64_t pfn) const;
    // The next free frame to zero in idle time; after zeroing all of it, the caller reports it
    // with mark_zeroed (nothing else may touch the table in between).
    std::optional<uint64_t> next_to_zero() const;
    void mark_zeroed(uint64_t pfn);

private:
    // The free index, two stacks in one array so that neither ever moves the other's frames:
    // order_[0, zeroed_) are the free frames known to be zero (the top, order_[zeroed_ - 1], was
    // zeroed last), order_[count_ - unzeroed_, count_) the other free frames (the top,
    // order_[count_ - unzeroed_], was freed last). position_[i] is free frame i's place in order_
    // (meaningless for a frame that is not free). Taking the top of a stack is a load and a
    // decrement; taking a frame from the middle moves that stack's top into the hole.
    void take_from_free(uint64_t index);
    void put_with_free(uint64_t index);
    void place(uint64_t index, uint64_t at) {
        order_[at] = static_cast<uint32_t>(index);
        position_[index] = static_cast<uint32_t>(at);
    }
    uint64_t unzeroed_bottom() const { return count_ - unzeroed_; }

    FrameEntry* entries_ = nullptr;
    uint32_t* order_ = nullptr;
    uint32_t* position_ = nullptr;
    uint64_t first_pfn_ = 0;
    // 64-bit, like the places computed from them: no zero-extension on the fast paths.
    uint64_t count_ = 0;
    uint64_t zeroed_ = 0;
    uint64_t unzeroed_ = 0;
    // Frames in the system states (Kernel, Reserved, Device); Free is the two stacks, Owned the
    // rest, so allocation and free count nothing beyond the stacks.
    uint32_t system_counts_[3] = {};
};

// ---- the allocation and free fast paths, in line for the syscalls ----

// `index` is Free; it leaves its stack, whose top fills the hole.
inline void FrameTable::take_from_free(uint64_t index) {
    uint64_t at = position_[index];
    if (at < zeroed_) {
        place(order_[--zeroed_], at);
    } else {
        place(order_[unzeroed_bottom()], at);
        --unzeroed_;
    }
}

// `index` is not Free yet: it joins the frames not known to be zero, on top.
inline void FrameTable::put_with_free(uint64_t index) {
    ++unzeroed_;
    place(index, unzeroed_bottom());
}

inline std::optional<FrameAllocation> FrameTable::take_free(EnvironmentSlot owner) {
    uint64_t index;
    bool zeroed = zeroed_ != 0;
    if (zeroed) {
        index = order_[--zeroed_];
    } else {
        if (unzeroed_ == 0) return std::nullopt;
        index = order_[unzeroed_bottom()];
        --unzeroed_;
    }
    frame_word::store(entries_[index], frame_word::owned_by(owner));  // one store, not four
    return FrameAllocation{first_pfn_ + index, zeroed};
}

inline abi::Error FrameTable::allocate(uint64_t pfn, EnvironmentSlot owner, bool* zeroed) {
    if (!contains(pfn)) return abi::Error::OutOfRange;
    FrameEntry& entry = at(pfn);
    if (entry.state != abi::FrameState::Free) return abi::Error::FrameNotFree;
    uint64_t index = pfn - first_pfn_;
    if (zeroed) *zeroed = position_[index] < zeroed_;
    take_from_free(index);
    entry = FrameEntry(abi::FrameState::Owned, 0, owner, 0, 0);
    return abi::Error::Ok;
}

inline abi::Error FrameTable::check_freeable(uint64_t pfn, EnvironmentSlot owner) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr) return abi::Error::OutOfRange;
    // The common case in one compare: owned by `owner`, no flag but essential, no pin, no mapping.
    if ((frame_word::load(*entry) & frame_word::kFreeCheckMask) == frame_word::owned_by(owner)) {
        return abi::Error::Ok;
    }
    if (entry->state != abi::FrameState::Owned || entry->owner != owner)
        return abi::Error::NotOwner;
    if (entry->map_count != 0 || entry->pin_count != 0 ||
        (entry->flags & frame_flag::kKernelBound)) {
        return abi::Error::FrameInUse;
    }
    return abi::Error::Ok;  // a flag the compare above does not expect (the scratch mark)
}

inline void FrameTable::release_owned(uint64_t pfn) {
    uint64_t index = pfn - first_pfn_;
    put_with_free(index);
    entries_[index] = FrameEntry{};
}

inline void FrameTable::release(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr) return;
    // A frame already free keeps its place (and, if it has one, its known-zero standing).
    if (entry->state != abi::FrameState::Free) {
        abi::FrameState was = entry->state;
        if (was != abi::FrameState::Owned) --system_counts_[static_cast<size_t>(was) - 1];
        put_with_free(pfn - first_pfn_);
    }
    *entry = FrameEntry{};
}

// The idle loop's hook (kernel builds, idle_zeroing.cpp): zeroes free frames until an interrupt
// is pending. Declared here, where every kernel file already looks, so the idle loop needs no
// new include.
void zero_free_frames_while_idle();

}  // namespace exo
