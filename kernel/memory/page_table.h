// An Sv39 page table over memory the caller provides: the kernel reaches tables through its direct
// map and pays for new ones from a frame owner; host tests use an array of fake frames.
#pragma once

#include <abi/syscall.h>
#include <cstdint>
#include <optional>

#include "arch/riscv64/sv39.h"

namespace exo {

class PageTableMemory {
public:
    virtual sv39::Entry* table(uint64_t pfn) = 0;
    // A zeroed frame for a new table, or nothing when whoever pays for tables has none left.
    virtual std::optional<uint64_t> allocate_table() = 0;

protected:
    ~PageTableMemory() = default;
};

class PageTable {
public:
    PageTable(PageTableMemory& memory, uint64_t root_pfn) : memory_(memory), root_pfn_(root_pfn) {}

    uint64_t root_pfn() const { return root_pfn_; }

    // Installs one leaf of the page size of `level` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB).
    abi::Error map(uint64_t virtual_address, uint64_t pfn, uint64_t flags, int level = 0);
    // Maps a physically contiguous range with the largest pages its alignment allows.
    abi::Error map_range(uint64_t virtual_address, uint64_t physical_address, uint64_t size,
                         uint64_t flags);
    // The leaf mapping virtual_address and its level, or nullptr.
    sv39::Entry* lookup(uint64_t virtual_address, int* level = nullptr);
    // The entry slot for virtual_address at target_level, creating missing tables on the way
    // when `create` is set; nullptr (with the reason in `error`) when it cannot be reached.
    sv39::Entry* walk(uint64_t virtual_address, int target_level, bool create, abi::Error& error);

private:
    PageTableMemory& memory_;
    uint64_t root_pfn_;
};

}  // namespace exo
