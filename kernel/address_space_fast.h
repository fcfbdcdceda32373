// The fast paths of Map, Unmap, Protect and PteRead: pages in the 2 MiB region whose level-0
// table the address space has cached, and (for Map and Protect) frames that are the caller's
// own. In line, so the syscall layer runs them without building a MemorySystem; each returns
// false, having changed nothing, when the general path (address_space.h) must decide.
#pragma once

#include <abi/shared_info.h>
#include <array>
#include <cstdint>

#include "address_space.h"

namespace exo::address_space::fast {

namespace pte = sv39::pte;

// What a protection change leaves of an entry: the frame, accessed and dirty (the library OS may
// still ask), and whether the binding is of an own frame. Everything else is rewritten.
inline constexpr uint64_t kKeptOnProtect =
    ~(pte::kValid | pte::kPermissionMask | pte::kUser | pte::kGlobal | kPteNoAccess);

// The entry flags for each abi permission set (index = the set): for Protect, where no
// permission at all means "no access"; 0 marks a set Sv39 reserves (write without read).
constexpr uint64_t leaf_flags_for(uint64_t permissions) {
    if (permissions == 0) return kPteNoAccess;
    if ((permissions & abi::permission::kWrite) && !(permissions & abi::permission::kRead)) return 0;
    return pte::kValid | pte::kUser | ((permissions & abi::permission::kRead) ? pte::kRead : 0) |
           ((permissions & abi::permission::kWrite) ? pte::kWrite : 0) |
           ((permissions & abi::permission::kExecute) ? pte::kExecute : 0);
}
inline constexpr std::array<uint64_t, 8> kProtectFlags = {
    leaf_flags_for(0), leaf_flags_for(1), leaf_flags_for(2), leaf_flags_for(3),
    leaf_flags_for(4), leaf_flags_for(5), leaf_flags_for(6), leaf_flags_for(7)};
static_assert(abi::permission::kAll == 7);

// The flags for `permissions`, or 0 for a set no call accepts.
[[gnu::always_inline]] inline uint64_t flags_for(uint64_t permissions) {
    return permissions < kProtectFlags.size() ? kProtectFlags[permissions] : 0;
}

// The cache (AddressSpace::cached_megapage) holds only 2 MiB regions whose every page the fast
// paths may touch: wholly inside [kUserMinimum, kUserTop) and without the shared info page. A
// hit therefore vouches for the address range, and the fast paths check only alignment.
static_assert(abi::kUserMinimum < sv39::kMegaPageSize, "only region 0 is partly below the user range");
constexpr bool cacheable_megapage(uint64_t megapage) {
    return megapage != 0 && megapage < (abi::kUserTop >> 21) &&
           megapage != (abi::kSharedInfoAddress >> 21);
}

// The level-0 entry for virtual_address when its table is the cached one, else nullptr.
// cached_bias is the table's address less (megapage << 12), so for an address in the region
// the entry is at bias + (va >> 12) * 8: no masking.
[[gnu::always_inline]] inline sv39::Entry* cached_slot(const AddressSpace& space,
                                                       uint64_t virtual_address) {
    if ((virtual_address >> 21) != space.cached_megapage) return nullptr;
    return reinterpret_cast<sv39::Entry*>(space.cached_bias +
                                          ((virtual_address >> sv39::kPageShift) << 3));
}

[[gnu::always_inline]] inline bool page_aligned(uint64_t virtual_address) {
    return (virtual_address << (64 - sv39::kPageShift)) == 0;
}

[[gnu::always_inline]] inline bool is_bound(uint64_t raw) {
    return (raw & (pte::kValid | kPteNoAccess)) != 0;
}

// Exactly the pages changed, or past kFlushPagesLimit the whole address space.
[[gnu::always_inline]] inline void flush(TlbControl& tlb, const AddressSpace& space,
                                         uint64_t virtual_address, uint64_t count) {
    if (count > kFlushPagesLimit) {
        tlb.flush_address_space(space.asid);
        return;
    }
    for (uint64_t i = 0; i < count; ++i) tlb.flush_page(virtual_address + i * sv39::kPageSize, space.asid);
}

// Protect of `count` pages inside the cached region, every one bound to an own frame: one pass
// over the entries to check, one to write.
[[gnu::always_inline]] inline bool protect(TlbControl& tlb, AddressSpace& space,
                                           uint64_t virtual_address, uint64_t count,
                                           uint64_t permissions) {
    uint64_t flags = flags_for(permissions);
    sv39::Entry* first = cached_slot(space, virtual_address);
    if (first == nullptr || flags == 0 || !page_aligned(virtual_address)) return false;
    if (count == 1) {  // an exception handler's unprotect
        if (!(first->raw & kPteOwnFrame)) return false;
        first->raw = (first->raw & kKeptOnProtect) | flags;
        tlb.flush_page(virtual_address, space.asid);
        return true;
    }
    // The last page in the same region (count - 1 < 512 also refuses 0 and any wrap).
    if (count - 1 >= sv39::kEntriesPerTable ||
        ((virtual_address + ((count - 1) << sv39::kPageShift)) >> 21) != space.cached_megapage) {
        return false;
    }
    sv39::Entry* end = first + count;
    uint64_t all = ~uint64_t{0};
#pragma GCC unroll 8
    for (sv39::Entry* entry = first; entry != end; ++entry) all &= entry->raw;
    if (!(all & kPteOwnFrame)) return false;
#pragma GCC unroll 8
    for (sv39::Entry* entry = first; entry != end; ++entry) {
        entry->raw = (entry->raw & kKeptOnProtect) | flags;
    }
    flush(tlb, space, virtual_address, count);
    return true;
}

// Map of one page of the caller's own frame into the cached region, where nothing is bound.
[[gnu::always_inline]] inline bool map(FrameTable& frames, TlbControl& tlb, AddressSpace& space,
                                       uint64_t virtual_address, uint64_t pfn, uint64_t count,
                                       uint64_t permissions) {
    uint64_t flags = flags_for(permissions);
    sv39::Entry* slot = cached_slot(space, virtual_address);
    if (count != 1 || slot == nullptr || !page_aligned(virtual_address) || !(flags & pte::kValid) ||
        is_bound(slot->raw)) {
        return false;
    }
    FrameEntry* frame = frames.find(pfn);
    if (frame == nullptr || frame->state != abi::FrameState::Owned || frame->owner != space.slot ||
        (frame->flags & frame_flag::kKernelBound) || frame->map_count == FrameTable::kMaxCount) {
        return false;
    }
    slot->raw = (pfn << pte::kPfnShift) | flags | kPteOwnFrame;
    ++frame->map_count;
    // The exception path hands page faults straight to the library OS, so no stale "not
    // mapped" translation may outlive the mapping.
    tlb.flush_page(virtual_address, space.asid);
    return true;
}

// Unmap of one bound page in the cached region.
[[gnu::always_inline]] inline bool unmap(FrameTable& frames, TlbControl& tlb, AddressSpace& space,
                                         uint64_t virtual_address, uint64_t count) {
    sv39::Entry* slot = cached_slot(space, virtual_address);
    if (count != 1 || slot == nullptr || !page_aligned(virtual_address) || !is_bound(slot->raw)) {
        return false;
    }
    if (FrameEntry* frame = frames.find(slot->pfn())) --frame->map_count;
    slot->raw = 0;
    tlb.flush_page(virtual_address, space.asid);
    return true;
}

}  // namespace exo::address_space::fast
