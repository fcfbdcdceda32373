// Frame ownership: every transition checks first, then changes one entry, the counts and the
// free index.
#include "memory/frame_table.h"
#include "register_hygiene.h"

namespace exo {

using abi::Error;
using abi::FrameState;

void FrameTable::init(std::span<FrameEntry> entries, std::span<uint32_t> free_index,
                      uint64_t first_pfn) {
    entries_ = entries.data();
    count_ = entries.size();
    order_ = free_index.data();
    position_ = free_index.data() + entries.size();
    first_pfn_ = first_pfn;
    for (FrameEntry& entry : entries) entry = FrameEntry{};
    for (uint32_t& count : system_counts_) count = 0;
    // All free, none known zero: the unzeroed stack fills order_, frame i at place i, so its top
    // (taken first, by allocation and by idle zeroing alike) is the lowest frame: frames go out
    // from the bottom of RAM up.
    zeroed_ = 0;
    unzeroed_ = count_;
    for (uint64_t i = 0; i < count_; ++i) place(i, i);
}

uint64_t FrameTable::count(FrameState state) const {
    uint64_t free = zeroed_ + unzeroed_;
    switch (state) {
    case FrameState::Free: return free;
    case FrameState::Owned:
        return count_ - free - system_counts_[0] - system_counts_[1] - system_counts_[2];
    case FrameState::Kernel:
    case FrameState::Reserved:
    case FrameState::Device: return system_counts_[static_cast<size_t>(state) - 1];
    }
    return 0;
}

void FrameTable::set_system_state(uint64_t pfn, FrameState state) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Free) return;
    if (state != FrameState::Kernel && state != FrameState::Reserved && state != FrameState::Device)
        return;
    take_from_free(pfn - first_pfn_);
    ++system_counts_[static_cast<size_t>(state) - 1];
    entry->state = state;
}




Error FrameTable::check_mappable_by_owner(uint64_t pfn, EnvironmentSlot owner) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr) return Error::NotOwner;  // kernel image, firmware, devices, holes
    if (entry->state != FrameState::Owned || entry->owner != owner) return Error::NotOwner;
    if (entry->flags & frame_flag::kKernelBound) return Error::FrameInUse;
    if (entry->map_count == kMaxCount) return Error::TooMany;
    return Error::Ok;
}


void FrameTable::transfer(uint64_t pfn, EnvironmentSlot new_owner) {
    if (FrameEntry* entry = find(pfn)) entry->owner = new_owner;
}

bool FrameTable::known_zero(uint64_t pfn) const {
    const FrameEntry* entry = find(pfn);
    return entry != nullptr && entry->state == FrameState::Free &&
           position_[pfn - first_pfn_] < zeroed_;
}

// The top of the unzeroed stack: the frame freed last, the likeliest to be still in the cache,
// and the one whose move to the zeroed stack moves no other frame.
std::optional<uint64_t> FrameTable::next_to_zero() const {
    if (unzeroed_ == 0) return std::nullopt;
    return first_pfn_ + order_[unzeroed_bottom()];
}

void FrameTable::mark_zeroed(uint64_t pfn) {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Free) return;
    uint64_t index = pfn - first_pfn_;
    if (position_[index] < zeroed_) return;
    // Out of the unzeroed stack, onto the zeroed one (which never reaches the other's places:
    // together they hold the free frames, at most count_).
    take_from_free(index);
    place(index, zeroed_++);
}

Error FrameTable::pin(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Owned) return Error::NotOwner;
    if (entry->pin_count == kMaxCount) return Error::TooMany;
    ++entry->pin_count;
    return Error::Ok;
}

EXO_KEEPS_USED_REGISTERS
Error FrameTable::pin_owned_run(uint64_t first, uint64_t count, EnvironmentSlot owner) {
    if (first < first_pfn_ || count > count_ || first - first_pfn_ > count_ - count) {
        return Error::NotOwner;
    }
    // One word a frame, loaded, compared and stored back with one more pin (bits 32-47):
    // Owned by `owner`, no kernel-bound flag (essential and scratch allowed). The caller keeps
    // its pins of a frame far below kMaxCount (frame_table.h), so the count cannot carry out.
    auto* words = reinterpret_cast<frame_word::AliasingWord*>(&entries_[first - first_pfn_]);
    auto pin = [&](uint64_t at) {
        const uint64_t word = words[at];
        if (!frame_word::owned_plain(word, owner)) return false;
        words[at] = word + frame_word::kOnePin;
        return true;
    };
    // How many frames from the run's start were pinned before one that is not the owner's:
    // four an iteration, by hand (runs are up to 33 frames; GCC does not unroll this loop).
    auto pin_prefix = [&]() -> uint64_t {
        uint64_t i = 0;
        for (; i + 4 <= count; i += 4) {
            if (!pin(i)) return i;
            if (!pin(i + 1)) return i + 1;
            if (!pin(i + 2)) return i + 2;
            if (!pin(i + 3)) return i + 3;
        }
        for (; i < count; ++i) {
            if (!pin(i)) return i;
        }
        return count;
    };
    uint64_t pinned = pin_prefix();
    if (pinned == count) return Error::Ok;
    while (pinned-- > 0)  // the ones before the refused frame lose their pin again
        words[pinned] -= frame_word::kOnePin;
    return Error::NotOwner;
}

EXO_KEEPS_USED_REGISTERS
void FrameTable::unpin_run(uint64_t first, uint64_t count) {
    if (first < first_pfn_ || count > count_ || first - first_pfn_ > count_ - count) return;
    auto* words = reinterpret_cast<frame_word::AliasingWord*>(&entries_[first - first_pfn_]);
    uint64_t i = 0;
    for (; i + 4 <= count; i += 4) {  // by hand, as in pin_owned_run
        words[i] -= frame_word::kOnePin;
        words[i + 1] -= frame_word::kOnePin;
        words[i + 2] -= frame_word::kOnePin;
        words[i + 3] -= frame_word::kOnePin;
    }
    for (; i < count; ++i)
        words[i] -= frame_word::kOnePin;
}

void FrameTable::orphan(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    entry->owner = kNoEnvironment;
    entry->flags = 0;
}

Error FrameTable::unpin(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->pin_count == 0) return Error::InvalidArgument;
    --entry->pin_count;
    return Error::Ok;
}

uint64_t FrameTable::query(uint64_t pfn) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr)
        return abi::make_frame_info(FrameState::Reserved, 0, 0, false, false, 0xffff);
    return abi::make_frame_info(entry->state, entry->map_count, entry->pin_count,
                                entry->flags & frame_flag::kPageTable,
                                entry->flags & frame_flag::kEssential, entry->owner);
}

}  // namespace exo
