// Frame table construction at boot.
#include "memory/physical_memory.h"

#include "arch/riscv64/csr.h"
#include "boot/panic.h"
#include "drivers/console.h"
#include "memory/kernel_memory.h"

namespace exo {
namespace {

std::span<uint16_t> scratch;

// Contiguous, zeroed kernel frames from boot memory.
template <typename T>
std::span<T> boot_array(BootMemory& boot_memory, uint64_t count) {
    uint64_t bytes = count * sizeof(T);
    uint64_t pages = (bytes + sv39::kPageSize - 1) / sv39::kPageSize;
    std::optional<uint64_t> first = boot_memory.allocate_contiguous(pages);
    if (!first) panic("no memory for a %lu-page kernel table", pages);
    auto* storage = physical_to_virtual<T>(*first);
    auto* words = reinterpret_cast<uint64_t*>(storage);
    for (uint64_t i = 0; i < pages * sv39::kPageSize / sizeof(uint64_t); ++i) words[i] = 0;
    return {storage, count};
}

}  // namespace

void frame_table_init(KernelState& state, const DeviceTreeInfo& tree, BootMemory& boot_memory,
                      AddressRange kernel_image) {
    uint64_t low = ~uint64_t{0}, high = 0;
    for (uint32_t i = 0; i < tree.memory_count; ++i) {
        if (tree.memory[i].base < low) low = tree.memory[i].base;
        if (tree.memory[i].base + tree.memory[i].size > high)
            high = tree.memory[i].base + tree.memory[i].size;
    }
    uint64_t first_pfn = low >> sv39::kPageShift;
    uint64_t count = (high >> sv39::kPageShift) - first_pfn;
    std::span<FrameEntry> entries = boot_array<FrameEntry>(boot_memory, count);
    std::span<uint32_t> free_index =
        boot_array<uint32_t>(boot_memory, count * FrameTable::kFreeIndexWordsPerFrame);
    scratch = boot_array<uint16_t>(boot_memory, count);
    state.frames.init(entries, free_index, first_pfn);

    // Every frame starts Free; only the exceptions are visited (the kernel image, what boot
    // memory handed out, firmware and device-tree reservations, holes), not all of RAM.
    auto mark = [&](uint64_t base, uint64_t size, abi::FrameState frame_state) {
        uint64_t end = (base + size + sv39::kPageSize - 1) >> sv39::kPageShift;
        for (uint64_t pfn = base >> sv39::kPageShift; pfn < end; ++pfn) {
            state.frames.set_system_state(pfn, frame_state);  // changes Free frames only
        }
    };
    mark(kernel_image.base, kernel_image.size, abi::FrameState::Kernel);
    // Boot memory hands frames out from the bottom of RAM up, skipping reserved ones.
    uint64_t handed_out_end = boot_memory.single_region() ? boot_memory.allocation_end() : high;
    for (uint64_t address = low; address < handed_out_end; address += sv39::kPageSize) {
        if (boot_memory.was_allocated(address))
            mark(address, sv39::kPageSize, abi::FrameState::Kernel);
    }
    for (uint32_t i = 0; i < tree.reserved_count; ++i) {
        mark(tree.reserved[i].base, tree.reserved[i].size, abi::FrameState::Reserved);
    }
    if (tree.memory_count > 1) {  // holes between RAM regions
        for (uint64_t pfn = first_pfn; pfn < first_pfn + count; ++pfn) {
            if (!boot_memory.is_ram(pfn << sv39::kPageShift))
                mark(pfn << sv39::kPageShift, 1, abi::FrameState::Reserved);
        }
    }
}

std::span<uint16_t> audit_scratch() { return scratch; }

uint16_t asid_bits_probe() {
    // Privileged spec 4.1.11: writing all ones to satp.ASID and reading back reveals ASIDLEN.
    uint64_t satp = riscv::read<riscv::Csr::satp>();
    riscv::write<riscv::Csr::satp>(satp | (sv39::kSatpAsidMask << sv39::kSatpAsidShift));
    uint64_t probed = riscv::read<riscv::Csr::satp>();
    riscv::write<riscv::Csr::satp>(satp);
    riscv::flush_tlb_all();
    uint16_t bits = 0;
    for (uint64_t field = (probed >> sv39::kSatpAsidShift) & sv39::kSatpAsidMask; field;
         field >>= 1) {
        bits += field & 1;
    }
    return bits;
}

}  // namespace exo
