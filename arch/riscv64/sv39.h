// Sv39 page-table layout (Privileged spec 4.4): entries, index extraction, satp. No asm: host tests
// include it.
#pragma once

#include <cstdint>

namespace sv39 {

inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kPageSize = 1ull << kPageShift;
inline constexpr uint64_t kEntriesPerTable = 512;
inline constexpr int kLevels =
    3; // level 2 is the root; a leaf there maps 1 GiB, at 1 it maps 2 MiB
inline constexpr uint64_t kMegaPageSize = kPageSize << 9;
inline constexpr uint64_t kGigaPageSize = kMegaPageSize << 9;

// Virtual addresses are 39 bits, sign-extended: the low half belongs to environments (U), the high
// half to the kernel.
inline constexpr uint64_t kUserTop = 1ull << 38;
inline constexpr uint64_t kKernelBottom = ~0ull << 38;

constexpr bool is_canonical(uint64_t va) { return va < kUserTop || va >= kKernelBottom; }
constexpr uint64_t page_size_at(int level) { return kPageSize << (9 * level); }
constexpr unsigned index_at(uint64_t va, int level) {
    return static_cast<unsigned>((va >> (kPageShift + 9 * level)) & (kEntriesPerTable - 1));
}

namespace pte {
inline constexpr uint64_t kValid = 1 << 0;
inline constexpr uint64_t kRead = 1 << 1;
inline constexpr uint64_t kWrite = 1 << 2;
inline constexpr uint64_t kExecute = 1 << 3;
inline constexpr uint64_t kUser = 1 << 4;
inline constexpr uint64_t kGlobal = 1 << 5;
inline constexpr uint64_t kAccessed = 1 << 6;
inline constexpr uint64_t kDirty = 1 << 7;
inline constexpr uint64_t kPermissionMask = kRead | kWrite | kExecute;
inline constexpr uint64_t kFlagMask = 0x3ff;  // bits 0-9, including the two RSW bits
inline constexpr int kPfnShift = 10;
inline constexpr uint64_t kPfnMask = (1ull << 44) - 1;
}  // namespace pte

// W without R is reserved (Privileged spec table 4.5), and R/W/X all clear means "next level".
constexpr bool is_valid_leaf_permission(uint64_t permissions) {
    permissions &= pte::kPermissionMask;
    return permissions != 0 && !((permissions & pte::kWrite) && !(permissions & pte::kRead));
}

struct Entry {
    uint64_t raw = 0;

    static constexpr Entry leaf(uint64_t pfn, uint64_t flags) {
        return {(pfn & pte::kPfnMask) << pte::kPfnShift | (flags & pte::kFlagMask) | pte::kValid};
    }
    static constexpr Entry table(uint64_t pfn) {
        return {(pfn & pte::kPfnMask) << pte::kPfnShift | pte::kValid};
    }
    constexpr bool valid() const { return raw & pte::kValid; }
    constexpr bool is_leaf() const { return valid() && (raw & pte::kPermissionMask); }
    constexpr bool is_table() const { return valid() && !(raw & pte::kPermissionMask); }
    constexpr uint64_t pfn() const { return (raw >> pte::kPfnShift) & pte::kPfnMask; }
    constexpr uint64_t flags() const { return raw & pte::kFlagMask; }
};
static_assert(sizeof(Entry) == 8);

// satp (Privileged spec 4.1.11): MODE 8 = Sv39, a 16-bit ASID field, the root's PFN.
inline constexpr uint64_t kSatpModeSv39 = 8ull << 60;
inline constexpr int kSatpAsidShift = 44;
inline constexpr uint64_t kSatpAsidMask = 0xffff;
constexpr uint64_t make_satp(uint64_t root_pfn, uint64_t asid) {
    return kSatpModeSv39 | (asid & kSatpAsidMask) << kSatpAsidShift | (root_pfn & pte::kPfnMask);
}

}  // namespace sv39
