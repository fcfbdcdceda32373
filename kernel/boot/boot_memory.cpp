// The boot-time frame allocator: walks RAM regions in order, skipping reserved frames.
#include "boot/boot_memory.h"

#include "arch/riscv64/sv39.h"

namespace exo {
namespace {
bool contains(AddressRange range, uint64_t address) {
    return address >= range.base && address - range.base < range.size;
}
}  // namespace

void BootMemory::init(const DeviceTreeInfo& tree, AddressRange kernel_range) {
    tree_ = &tree;
    kernel_range_ = kernel_range;
    region_ = 0;
    next_ = tree.memory_count ? tree.memory[0].base : 0;
}

bool BootMemory::is_ram(uint64_t physical_address) const {
    for (uint32_t i = 0; i < tree_->memory_count; ++i) {
        if (contains(tree_->memory[i], physical_address)) return true;
    }
    return false;
}

bool BootMemory::is_reserved(uint64_t physical_address) const {
    if (contains(kernel_range_, physical_address)) return true;
    for (uint32_t i = 0; i < tree_->reserved_count; ++i) {
        AddressRange range = tree_->reserved[i];
        // Reserved ranges need not be page aligned: a frame is reserved if any byte of it is.
        uint64_t first = range.base & ~(sv39::kPageSize - 1);
        uint64_t end = range.base + range.size;
        if (physical_address >= first && physical_address < end) return true;
    }
    return false;
}

bool BootMemory::was_allocated(uint64_t physical_address) const {
    if (is_reserved(physical_address)) return false;
    for (uint32_t i = 0; i < tree_->memory_count && i <= region_; ++i) {
        if (!contains(tree_->memory[i], physical_address)) continue;
        return i < region_ || physical_address < next_;
    }
    return false;
}

std::optional<uint64_t> BootMemory::allocate_contiguous(uint64_t pages) {
    for (;;) {
        std::optional<uint64_t> first = allocate_frame();
        if (!first) return std::nullopt;
        uint64_t got = 1;
        while (got < pages) {
            std::optional<uint64_t> next = allocate_frame();
            if (!next) return std::nullopt;
            if (*next != *first + got * sv39::kPageSize) break;
            ++got;
        }
        if (got == pages) return first;
    }
}

std::optional<uint64_t> BootMemory::allocate_frame() {
    while (region_ < tree_->memory_count) {
        AddressRange region = tree_->memory[region_];
        if (next_ < region.base) next_ = region.base;
        next_ = (next_ + sv39::kPageSize - 1) & ~(sv39::kPageSize - 1);
        while (next_ + sv39::kPageSize <= region.base + region.size) {
            uint64_t frame = next_;
            next_ += sv39::kPageSize;
            if (!is_reserved(frame)) {
                ++frames_allocated_;
                return frame;
            }
        }
        ++region_;
    }
    return std::nullopt;
}

}  // namespace exo
