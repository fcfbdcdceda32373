// Starting and waiting for child environments.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/frame_pool.h>

namespace exos {

struct Child {
    abi::Error error;
    uint64_t id;
    // The first of the `extra` frames: the child finds it first in its shared page's
    // initial_frames, so parent and child can agree on it (for a shared mailbox, say).
    uint64_t first_spare_frame;
};

// Creates a child from embedded image `image` with the frames it needs plus `extra`, taken
// from `pool` (they become the child's).
Child spawn(FramePool& pool, uint64_t image, uint64_t extra = 16);
// Yields until the child no longer exists (it exited, was destroyed or killed).
void wait_for(uint64_t child);

}  // namespace exos
