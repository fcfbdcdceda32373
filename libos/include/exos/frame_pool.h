// Frames this environment owns and has not put to use: filled from the frames its parent gave
// it, topped up with FrameAlloc, drained back to the kernel on request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace exos {

class FramePool {
public:
    static constexpr size_t kCapacity = 512;

    // Takes the frames listed in the shared info page as left over at creation.
    void adopt_initial_frames();
    void add(uint64_t pfn);
    // A frame from the pool, else a fresh one from the kernel; nothing under memory pressure.
    std::optional<uint64_t> take();
    // Frees up to `count` pooled frames to the kernel; returns how many it freed.
    uint64_t release(uint64_t count);
    size_t size() const { return count_; }

private:
    uint64_t frames_[kCapacity];
    size_t count_ = 0;
};

// `count` physically consecutive frames, allocated by number (FrameAlloc of named frames, after
// FrameQuery found them free), zeroed: for what the kernel or a device takes by its first frame
// (an ELF for EnvCreateElf, a long disk transfer). The first of them, or 0 when no run of that
// length is free.
uint64_t allocate_frame_run(uint64_t count);
void free_frame_run(uint64_t first, uint64_t count);

}  // namespace exos
