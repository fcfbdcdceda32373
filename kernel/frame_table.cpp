// Frame ownership: every transition checks first, then changes one entry and the counts.
#include "frame_table.h"

namespace exo {

using abi::Error;
using abi::FrameState;

void FrameTable::init(std::span<FrameEntry> entries, uint64_t first_pfn) {
    entries_ = entries;
    first_pfn_ = first_pfn;
    cursor_ = 0;
    for (FrameEntry& entry : entries_) entry = FrameEntry{};
    for (uint64_t& count : counts_) count = 0;
    counts_[static_cast<size_t>(FrameState::Free)] = entries_.size();
}

void FrameTable::change_state(FrameEntry& entry, FrameState state) {
    --counts_[static_cast<size_t>(entry.state)];
    ++counts_[static_cast<size_t>(state)];
    entry.state = state;
}

void FrameTable::set_system_state(uint64_t pfn, FrameState state) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Free) return;
    change_state(*entry, state);
}

Error FrameTable::allocate(uint64_t pfn, EnvironmentSlot owner) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr) return Error::OutOfRange;
    if (entry->state != FrameState::Free) return Error::FrameNotFree;
    change_state(*entry, FrameState::Owned);
    entry->owner = owner;
    entry->flags = 0;
    return Error::Ok;
}

std::optional<uint64_t> FrameTable::allocate_any(EnvironmentSlot owner) {
    if (count(FrameState::Free) == 0) return std::nullopt;
    for (uint64_t scanned = 0; scanned < entries_.size(); ++scanned) {
        uint64_t index = cursor_;
        cursor_ = cursor_ + 1 == entries_.size() ? 0 : cursor_ + 1;
        if (entries_[index].state == FrameState::Free) {
            (void)allocate(first_pfn_ + index, owner);
            return first_pfn_ + index;
        }
    }
    return std::nullopt;
}

Error FrameTable::check_freeable(uint64_t pfn, EnvironmentSlot owner) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr) return Error::OutOfRange;
    if (entry->state != FrameState::Owned || entry->owner != owner) return Error::NotOwner;
    if (entry->map_count != 0 || entry->pin_count != 0 ||
        (entry->flags & frame_flag::kKernelBound)) {
        return Error::FrameInUse;
    }
    return Error::Ok;
}

Error FrameTable::check_mappable_by_owner(uint64_t pfn, EnvironmentSlot owner) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr) return Error::NotOwner;  // kernel image, firmware, devices, holes
    if (entry->state != FrameState::Owned || entry->owner != owner) return Error::NotOwner;
    if (entry->flags & frame_flag::kKernelBound) return Error::FrameInUse;
    if (entry->map_count == kMaxCount) return Error::TooMany;
    return Error::Ok;
}

void FrameTable::release(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr) return;
    change_state(*entry, FrameState::Free);
    *entry = FrameEntry{};
}

void FrameTable::transfer(uint64_t pfn, EnvironmentSlot new_owner) {
    if (FrameEntry* entry = find(pfn)) entry->owner = new_owner;
}

Error FrameTable::pin(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Owned) return Error::NotOwner;
    if (entry->pin_count == kMaxCount) return Error::TooMany;
    ++entry->pin_count;
    return Error::Ok;
}

Error FrameTable::unpin(uint64_t pfn) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->pin_count == 0) return Error::InvalidArgument;
    --entry->pin_count;
    return Error::Ok;
}

uint64_t FrameTable::query(uint64_t pfn) const {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr) return abi::make_frame_info(FrameState::Reserved, 0, 0, false, false, 0xffff);
    return abi::make_frame_info(entry->state, entry->map_count, entry->pin_count,
                                entry->flags & frame_flag::kPageTable,
                                entry->flags & frame_flag::kEssential, entry->owner);
}

}  // namespace exo
