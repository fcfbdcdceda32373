// The kernel's own address space: its image with per-section permissions, guard pages under its
// stacks, a direct map of RAM and the device windows the kernel drives. Every environment's
// page table shares these upper-half entries.
#pragma once

#include <cstdint>

#include "arch/riscv64/memory_layout.h"
#include "boot/boot_memory.h"
#include "boot/device_tree.h"
#include "memory/page_table.h"

namespace exo {

// Builds the kernel page table from the tree and switches satp to it.
void kernel_memory_init(const DeviceTreeInfo& tree, BootMemory& boot_memory);

uint64_t kernel_root_pfn();
// Physical address of a byte of the kernel image (text, data, stacks, embedded images).
uint64_t kernel_image_physical(const void* pointer);
AddressRange kernel_image_range();

template <typename T>
T* physical_to_virtual(uint64_t physical) {
    // The direct map covers all RAM and the device windows: one addition, no walk.
    return reinterpret_cast<T*>(layout::direct_map(physical));
}

// Page-table frames reached through the direct map. On its own it only walks: a subclass says
// who pays for new tables.
class DirectMapTables : public PageTableMemory {
public:
    sv39::Entry* table(uint64_t pfn) override {
        return physical_to_virtual<sv39::Entry>(pfn << sv39::kPageShift);
    }
    std::optional<uint64_t> allocate_table() override { return std::nullopt; }
};

}  // namespace exo
