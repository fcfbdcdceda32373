// What both memory hogs do: take every free frame the kernel has (the last, failed request
// makes the kernel ask the largest other holder for frames), then give the CPU back.
#pragma once

#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace hog {

inline uint64_t recent[512];
inline uint64_t recent_count = 0;

// The slots the parent set aside for us: we answer revocation requests in our own time.
inline void take_slots() {
    for (uint64_t slot = 8; slot < 16; ++slot)
        (void)exos::syscall(abi::Syscall::SliceReserve, slot);
}

inline uint64_t grab_everything() {
    uint64_t taken = 0;
    for (;;) {
        exos::SyscallReturn frame = exos::frame_alloc();
        if (frame.error != abi::Error::Ok) break;
        recent[recent_count++ % 512] = frame.value;
        ++taken;
    }
    return taken;
}

}  // namespace hog
