// A real-time memory policy: everything is allocated, mapped and marked essential up front, a
// fault is a bug (never paged), and revocation gets only frames set aside as spare.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/frame_pool.h>

namespace exos {

class PinnedMemory {
public:
    // Maps `pages` pages at `base` now, keeps `spare` frames to give back on request, marks the
    // mapped frames essential, and installs the handlers.
    abi::Error start(FramePool& pool, uint64_t base, uint64_t pages, uint64_t spare);
    uint64_t spare() const { return spare_.size(); }
    uint64_t given_back() const { return given_back_; }
    void give_back(uint64_t frames);

private:
    FramePool spare_;
    uint64_t given_back_ = 0;
};

}  // namespace exos
