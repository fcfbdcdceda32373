// Frame ownership: every transition checks first, then changes one entry, the counts and the
// free index.
#include "frame_table.h"

namespace exo {

using abi::Error;
using abi::FrameState;

void FrameTable::init(std::span<FrameEntry> entries, std::span<uint32_t> free_index,
                      uint64_t first_pfn) {
    entries_ = entries;
    order_ = free_index.subspan(0, entries.size());
    position_ = free_index.subspan(entries.size(), entries.size());
    first_pfn_ = first_pfn;
    zeroed_ = 0;
    for (FrameEntry& entry : entries_) entry = FrameEntry{};
    for (uint64_t& count : counts_) count = 0;
    counts_[static_cast<size_t>(FrameState::Free)] = entries_.size();
    // Highest frame first: allocation takes from the end, so before any frame is known to be
    // zero frames go out from the bottom of RAM up, and idle zeroing starts at the top.
    auto count = static_cast<uint32_t>(entries_.size());
    for (uint32_t i = 0; i < count; ++i) place(count - 1 - i, i);
}




void FrameTable::set_system_state(uint64_t pfn, FrameState state) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Free) return;
    take_from_free(static_cast<uint32_t>(pfn - first_pfn_));
    change_state(*entry, state);
}

Error FrameTable::allocate(uint64_t pfn, EnvironmentSlot owner, bool* zeroed) {
    FrameEntry* entry = find(pfn);
    if (entry == nullptr) return Error::OutOfRange;
    if (entry->state != FrameState::Free) return Error::FrameNotFree;
    auto index = static_cast<uint32_t>(pfn - first_pfn_);
    if (zeroed) *zeroed = position_[index] < zeroed_;
    take_from_free(index);
    change_state(*entry, FrameState::Owned);
    entry->owner = owner;
    entry->flags = 0;
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


void FrameTable::transfer(uint64_t pfn, EnvironmentSlot new_owner) {
    if (FrameEntry* entry = find(pfn)) entry->owner = new_owner;
}

bool FrameTable::known_zero(uint64_t pfn) const {
    const FrameEntry* entry = find(pfn);
    return entry != nullptr && entry->state == FrameState::Free &&
           position_[pfn - first_pfn_] < zeroed_;
}

std::optional<uint64_t> FrameTable::next_to_zero() const {
    if (zeroed_ == free_end()) return std::nullopt;
    return first_pfn_ + order_[zeroed_];
}

void FrameTable::mark_zeroed(uint64_t pfn) {
    const FrameEntry* entry = find(pfn);
    if (entry == nullptr || entry->state != FrameState::Free) return;
    auto index = static_cast<uint32_t>(pfn - first_pfn_);
    uint32_t at = position_[index];
    if (at < zeroed_) return;
    // Swap it with the first frame not known to be zero, then move the boundary past it.
    place(order_[zeroed_], at);
    place(index, zeroed_);
    ++zeroed_;
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
