// An environment's user half: secure bindings of frames to virtual pages. Every map checks
// ownership (or a grant), the user range, alignment and permissions before it changes anything;
// page-table nodes are paid for with frames the environment donated. Logic only: the kernel
// passes its direct map and sfence; host tests pass fakes.
#pragma once

#include <abi/syscall.h>
#include <array>
#include <cstddef>
#include <cstdint>

#include "arch/riscv64/memory_layout.h"
#include "arch/riscv64/sv39.h"
#include "memory/frame_table.h"
#include "memory/grant_table.h"

namespace exo {

// How the logic reaches a frame's bytes. In the kernel it is the direct map, one addition with
// no indirection on every page-table walk; host tests and fuzzers substitute fake RAM.
class PhysicalMemory {
public:
#ifdef EXO_HOST
    virtual std::byte* frame(uint64_t pfn) = 0;
#else
    std::byte* frame(uint64_t pfn) {
        return reinterpret_cast<std::byte*>(layout::direct_map(pfn << sv39::kPageShift));
    }
#endif

protected:
    ~PhysicalMemory() = default;
};

// TLB maintenance. In the kernel it is sfence.vma in line (one instruction per page on the
// syscall paths); host tests and fuzzers substitute a recorder.
class TlbControl {
public:
#ifdef EXO_HOST
    virtual void flush_page(uint64_t virtual_address, uint16_t asid) = 0;
    virtual void flush_address_space(uint16_t asid) = 0;
#else
    void flush_page(uint64_t virtual_address, uint16_t asid) {
        asm volatile("sfence.vma %0, %1" ::"r"(virtual_address), "r"(uint64_t{asid}) : "memory");
    }
    void flush_address_space(uint16_t asid) {
        asm volatile("sfence.vma zero, %0" ::"r"(uint64_t{asid}) : "memory");
    }
#endif

protected:
    ~TlbControl() = default;
};

class InterruptTable;

struct MemorySystem {
    PhysicalMemory& physical;
    FrameTable& frames;
    GrantTable& grants;
    TlbControl& tlb;
    // Exported devices: an owner may map its device's register pages (no frame-table entry,
    // no map count). May be null where no devices exist (host tests).
    const InterruptTable* devices = nullptr;
};

inline constexpr uint32_t kTableReserveCapacity = 32;
// Past this many pages a batch flushes the whole address space instead of page by page.
inline constexpr uint64_t kFlushPagesLimit = 32;
// RSW bit 8: a page protected to "no access". V is clear so the hardware faults, and the frame
// number stays so the kernel still accounts for the binding.
inline constexpr uint64_t kPteNoAccess = 1 << 8;
// RSW bit 9: the binding is of the environment's own frame (Map found it Owned by the caller,
// not kernel-bound), so any permission is allowed and Protect needs no frame-table or grant
// lookup. Never set for granted frames or device pages: those keep their limits, checked on every
// Protect. Sound because an own frame cannot change hands while mapped (FrameFree, donation and
// EnvCreate refuse mapped frames; repossession and destruction unmap first), and unmapping clears
// the whole entry. Library OSes see it in PteRead.
inline constexpr uint64_t kPteOwnFrame = 1 << 9;

struct AddressSpace {
    uint64_t root_pfn = 0;
    EnvironmentSlot slot = kNoEnvironment;
    uint16_t asid = 0;
    std::array<uint64_t, kTableReserveCapacity> table_reserve{};
    uint32_t table_reserve_count = 0;
    // The level-0 table last walked to (kept as cached_bias) and its 2 MiB region (va >> 21).
    // Page-table nodes are only ever added to a live address space, never removed or moved, so
    // a cached table stays right until the space is torn down (create() starts a fresh one).
    mutable uint64_t cached_megapage = ~uint64_t{0};
    mutable uintptr_t cached_bias = 0;  // the table's address - (cached_megapage << 12)
};

namespace address_space {

// Starts an address space on `root_pfn` (already owned by `slot`): zeroes it, copies the
// kernel's upper half from kernel_root, flags it as a page table.
void create(MemorySystem& memory, AddressSpace& space, uint64_t root_pfn, EnvironmentSlot slot,
            uint16_t asid, const sv39::Entry* kernel_root);

abi::Error donate_table_frame(MemorySystem& memory, AddressSpace& space, uint64_t pfn);

// The syscalls' checked operations, each on `count` consecutive pages.
abi::Error map(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
               uint64_t first_pfn, uint64_t count, uint64_t permissions);
abi::Error unmap(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
                 uint64_t count);
abi::Error protect(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
                   uint64_t count, uint64_t permissions);
uint64_t read_entry(MemorySystem& memory, const AddressSpace& space, uint64_t virtual_address);

// The kernel's own bindings (image pages, stack, shared page), bypassing the ownership checks:
// the caller vouches for the frame. Returns NoMemory when no donated table frame is left.
abi::Error map_for_kernel(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
                          uint64_t pfn, uint64_t pte_flags);

enum class Access { Fetch, Load, Store };
// A user page fault the hardware raised although the binding allows the access: the accessed
// or dirty bit was clear (hardware that leaves A/D to software, Privileged spec 4.3.1) or the
// TLB held a stale entry. Sets A (and D for a store), flushes the page, and returns true; false
// when the fault is the environment's to handle.
bool settle_access(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
                   Access access);

// Removes every mapping of `pfn` from this space (revoked grants, repossessed frames).
uint64_t unmap_frame(MemorySystem& memory, AddressSpace& space, uint64_t pfn);
// Drops every leaf mapping (map counts included) before the frames are released.
void tear_down(MemorySystem& memory, AddressSpace& space);

// For the audit: calls leaf(pfn) for each mapping and table(pfn) for each table node.
template <typename Leaf, typename Table>
void visit(MemorySystem& memory, const AddressSpace& space, Leaf&& leaf, Table&& table);

// Converts abi::permission bits to Sv39 leaf flags for a user page.
uint64_t user_pte_flags(uint64_t permissions);
bool valid_permissions(uint64_t permissions);
bool in_user_range(uint64_t virtual_address, uint64_t count);

}  // namespace address_space

// ---- template definition ----
template <typename Leaf, typename Table>
void address_space::visit(MemorySystem& memory, const AddressSpace& space, Leaf&& leaf,
                          Table&& table) {
    auto* root = reinterpret_cast<sv39::Entry*>(memory.physical.frame(space.root_pfn));
    table(space.root_pfn);
    for (unsigned i2 = 0; i2 < sv39::kEntriesPerTable / 2; ++i2) {  // the user half only
        if (!root[i2].is_table()) continue;
        table(root[i2].pfn());
        auto* middle = reinterpret_cast<sv39::Entry*>(memory.physical.frame(root[i2].pfn()));
        for (unsigned i1 = 0; i1 < sv39::kEntriesPerTable; ++i1) {
            if (!middle[i1].is_table()) continue;
            table(middle[i1].pfn());
            auto* last = reinterpret_cast<sv39::Entry*>(memory.physical.frame(middle[i1].pfn()));
            for (unsigned i0 = 0; i0 < sv39::kEntriesPerTable; ++i0) {
                if (last[i0].raw & (sv39::pte::kValid | kPteNoAccess)) leaf(last[i0].pfn());
            }
        }
    }
}

}  // namespace exo
