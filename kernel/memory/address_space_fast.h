// The fast paths of Map, Unmap, Protect and PteRead: pages in the 2 MiB region whose level-0
// table the address space has cached, and (for Map and Protect) frames that are the caller's
// own. In line, so the syscall layer runs them without building a MemorySystem; each returns
// false, having changed nothing, when the general path (address_space.h) must decide.
#pragma once

#include <abi/shared_info.h>
#include <array>
#include <cstdint>

#include "memory/address_space.h"

namespace exo::address_space::fast {

namespace pte = sv39::pte;

// What a protection change leaves of an entry: the frame, accessed and dirty (the library OS may
// still ask), and whether the binding is of an own frame. Everything else is rewritten.
inline constexpr uint64_t kKeptOnProtect =
    ~(pte::kValid | pte::kPermissionMask | pte::kUser | pte::kGlobal | kPteNoAccess);

// Sv39's R, W and X are the abi permission bits one place up, so a permission set's leaf flags are
// arithmetic, with no table to load.
static_assert(pte::kRead == abi::permission::kRead << 1 &&
              pte::kWrite == abi::permission::kWrite << 1 &&
              pte::kExecute == abi::permission::kExecute << 1);
static_assert(abi::permission::kAll == 7);
// The sets a page may be given, as a mask indexed by the set: any set with read, and execute alone
// (Sv39 reserves write without read; the empty set is "no access", which only Protect accepts).
inline constexpr uint64_t kLeafSets = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 7);

// Whether `permissions` is a set a page may be given (nonzero).
[[gnu::always_inline]] inline bool leaf_permissions(uint64_t permissions) {
    // One shift and the range test; "& 63" states the shift's range (srl takes six bits anyway).
    return ((kLeafSets >> (permissions & 63)) & static_cast<uint64_t>(permissions < 8)) != 0;
}
// The leaf flags of a set leaf_permissions accepted.
[[gnu::always_inline]] inline uint64_t leaf_flags(uint64_t permissions) {
    return pte::kValid | pte::kUser | (permissions << 1);
}

// The entry flags Protect writes for `permissions` (none at all is "no access"), or 0 for a set
// no call accepts.
[[gnu::always_inline]] inline uint64_t flags_for(uint64_t permissions) {
    if (leaf_permissions(permissions)) [[likely]] return leaf_flags(permissions);
    return permissions == 0 ? kPteNoAccess : 0;
}

// The cache (AddressSpace::cached_megapage) holds only 2 MiB regions whose every page the fast
// paths may touch: wholly inside [kUserMinimum, kUserTop) and without the shared info page. A
// hit therefore vouches for the address range, and the fast paths check only alignment.
static_assert(abi::kUserMinimum < sv39::kMegaPageSize,
              "only region 0 is partly below the user range");
constexpr bool cacheable_megapage(uint64_t megapage) {
    return megapage != 0 && megapage < (abi::kUserTop >> 21) &&
           megapage != (abi::kSharedInfoAddress >> 21);
}

// Whether virtual_address is in the region whose level-0 table is cached.
[[gnu::always_inline]] inline bool in_cached_region(const AddressSpace& space,
                                                    uint64_t virtual_address) {
    return (virtual_address >> 21) == space.cached_megapage;
}

// The level-0 entry for virtual_address when its table is the cached one, else nullptr.
// cached_bias is the table's address less (megapage << 12), so for an address in the region
// the entry is at bias + (va >> 12) * 8: no masking.
[[gnu::always_inline]] inline sv39::Entry* cached_slot(const AddressSpace& space,
                                                       uint64_t virtual_address) {
    if (!in_cached_region(space, virtual_address)) return nullptr;
    return reinterpret_cast<sv39::Entry*>(space.cached_bias +
                                          ((virtual_address >> sv39::kPageShift) << 3));
}

[[gnu::always_inline]] inline bool page_aligned(uint64_t virtual_address) {
    return (virtual_address << (64 - sv39::kPageShift)) == 0;
}

// The entry for a page-aligned address in the cached region: for an aligned address
// (va >> 12) * 8 is va >> 9, one shift.
[[gnu::always_inline]] inline sv39::Entry* aligned_slot(const AddressSpace& space,
                                                        uint64_t virtual_address) {
    return reinterpret_cast<sv39::Entry*>(space.cached_bias +
                                          (virtual_address >> (sv39::kPageShift - 3)));
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
    for (uint64_t i = 0; i < count; ++i)
        tlb.flush_page(virtual_address + i * sv39::kPageSize, space.asid);
}

// Protect of `count` pages inside the cached region, every one bound to an own frame: one pass
// over the entries to check, one to write.
[[gnu::always_inline]] inline bool protect(TlbControl& tlb, AddressSpace& space,
                                           uint64_t virtual_address, uint64_t count,
                                           uint64_t permissions) {
    if (!in_cached_region(space, virtual_address) || !page_aligned(virtual_address)) return false;
    sv39::Entry* first = aligned_slot(space, virtual_address);
    if (count == 1) {  // an exception handler's unprotect
        // Only the sets a page may be given; "no access" takes the general path.
        if (!leaf_permissions(permissions)) return false;
        uint64_t raw = first->raw;
        if (!(raw & kPteOwnFrame)) return false;
        first->raw = (raw & kKeptOnProtect) | leaf_flags(permissions);
        tlb.flush_page(virtual_address, space.asid);
        return true;
    }
    uint64_t flags = flags_for(permissions);
    // The last page in the same region (count - 1 < 512 also refuses 0 and any wrap).
    if (flags == 0 || count - 1 >= sv39::kEntriesPerTable ||
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
    if (count != 1 || !in_cached_region(space, virtual_address) || !page_aligned(virtual_address) ||
        !leaf_permissions(permissions) || !frames.contains(pfn)) {
        return false;
    }
    sv39::Entry* slot = aligned_slot(space, virtual_address);
    if (is_bound(slot->raw)) return false;
    FrameEntry& frame = frames.at(pfn);
    uint64_t word = frame_word::load(frame);
    // Owned by the caller with no flag but essential (not a page table, donated table frame or
    // shared page): flags, state and owner are the entry's low 32 bits. Pins do not matter.
    if (static_cast<uint32_t>(word & frame_word::kFreeCheckMask) !=
        frame_word::owned_by(space.slot)) {
        return false;
    }
    // One more mapping, unless the count is at its limit (the add carries out of the word).
    uint64_t counted = word + frame_word::kOneMapping;
    if (counted < word) return false;
    slot->raw = (pfn << pte::kPfnShift) | leaf_flags(permissions) | kPteOwnFrame;
    frame_word::store(frame, counted);
    // The exception path hands page faults straight to the library OS, so no stale "not
    // mapped" translation may outlive the mapping.
    tlb.flush_page(virtual_address, space.asid);
    return true;
}

// Unmap of one bound page in the cached region.
[[gnu::always_inline]] inline bool unmap(FrameTable& frames, TlbControl& tlb, AddressSpace& space,
                                         uint64_t virtual_address, uint64_t count) {
    if (count != 1 || !in_cached_region(space, virtual_address) || !page_aligned(virtual_address)) {
        return false;
    }
    sv39::Entry* slot = aligned_slot(space, virtual_address);
    uint64_t raw = slot->raw;
    if (!is_bound(raw)) return false;
    uint64_t pfn = sv39::Entry{raw}.pfn();
    if (frames.contains(pfn)) --frames.at(pfn).map_count;  // device pages have no entry
    slot->raw = 0;
    tlb.flush_page(virtual_address, space.asid);
    return true;
}

}  // namespace exo::address_space::fast
