// Frames change hands zeroed: what one environment wrote never reaches the next owner. Freed
// frames join the frame table's "not known zero" group; idle time zeroes them one at a time
// (idle_zeroing.cpp), so allocation usually finds a frame already zero and skips the ~700
// instructions of clearing it. When none is, allocation zeroes the frame on the spot.
#pragma once

#include <abi/syscall.h>
#include <cstdint>
#include <optional>

#include "memory/address_space.h"
#include "memory/frame_table.h"

namespace exo::frame_zeroing {

void zero(PhysicalMemory& physical, uint64_t pfn);

// FrameTable::take_free / allocate, and the frame is zero when they return.
inline std::optional<uint64_t> allocate_any(FrameTable& frames, PhysicalMemory& physical,
                                            EnvironmentSlot owner) {
    std::optional<FrameAllocation> taken = frames.take_free(owner);
    if (!taken) return std::nullopt;
    if (!taken->zeroed) zero(physical, taken->pfn);
    return taken->pfn;
}
abi::Error allocate(FrameTable& frames, PhysicalMemory& physical, uint64_t pfn,
                    EnvironmentSlot owner);

// Zeroes free frames not known to be zero until none is left or stop() (asked before each
// frame) says to stop; returns how many it zeroed. One frame is the longest it keeps the
// caller from noticing a reason to stop.
template <typename Stop>
uint64_t zero_free_frames(FrameTable& frames, PhysicalMemory& physical, Stop&& stop) {
    uint64_t zeroed = 0;
    while (!stop()) {
        std::optional<uint64_t> pfn = frames.next_to_zero();
        if (!pfn) break;
        zero(physical, *pfn);
        frames.mark_zeroed(*pfn);
        ++zeroed;
    }
    return zeroed;
}

}  // namespace exo::frame_zeroing
