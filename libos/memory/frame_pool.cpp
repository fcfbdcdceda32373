// The pool of unused owned frames (see frame_pool.h).
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace exos {

void FramePool::adopt_initial_frames() {
    const volatile abi::SharedInfo& info = shared_info();
    for (uint64_t i = 0; i < info.initial_frame_count && count_ < kCapacity; ++i) {
        frames_[count_++] = info.initial_frames[i];
    }
}

void FramePool::add(uint64_t pfn) {
    if (count_ < kCapacity) {
        frames_[count_++] = pfn;
    } else {
        (void)frame_free(pfn);
    }
}

std::optional<uint64_t> FramePool::take() {
    if (count_ != 0) return frames_[--count_];
    SyscallReturn fresh = frame_alloc();
    if (fresh.error != abi::Error::Ok) return std::nullopt;
    return fresh.value;
}

uint64_t FramePool::release(uint64_t count) {
    uint64_t freed = 0;
    while (freed < count && count_ != 0) {
        if (frame_free(frames_[--count_]) == abi::Error::Ok) ++freed;
    }
    return freed;
}

}  // namespace exos
