// Physical memory at boot: which frames are RAM and free (not firmware, not the device tree, not
// the kernel image), and a bump allocator over them for the kernel's own tables.
#pragma once

#include <cstdint>
#include <optional>

#include "boot/device_tree.h"

namespace exo {

class BootMemory {
public:
    // kernel_range is the physical extent of the kernel image, which is never handed out.
    void init(const DeviceTreeInfo& tree, AddressRange kernel_range);

    bool is_ram(uint64_t physical_address) const;
    bool is_reserved(uint64_t physical_address) const;  // firmware, blob or kernel image
    // The next free frame (zeroed by the caller), lowest address first.
    std::optional<uint64_t> allocate_frame();
    // `pages` consecutive frames (not zeroed), the first one's address. Frames are handed out
    // in address order, so consecutive calls are contiguous unless a reserved range intervenes:
    // then it starts over (the frames skipped stay the kernel's).
    std::optional<uint64_t> allocate_contiguous(uint64_t pages);
    // Whether allocate_frame has handed out this (non-reserved) frame.
    bool was_allocated(uint64_t physical_address) const;
    uint64_t frames_allocated() const { return frames_allocated_; }
    // Everything handed out so far lies below this address (while in the first region).
    uint64_t allocation_end() const { return next_; }
    bool single_region() const { return region_ == 0; }

private:
    const DeviceTreeInfo* tree_ = nullptr;
    AddressRange kernel_range_;
    uint32_t region_ = 0;
    uint64_t next_ = 0;
    uint64_t frames_allocated_ = 0;
};

}  // namespace exo
