// The pool of unused owned frames (see frame_pool.h).
#include <exos/arguments.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace exos {

void FramePool::adopt_initial_frames() {
    const volatile abi::SharedInfo& info = shared_info();
    for (uint64_t i = 0; i < info.initial_frame_count && count_ < kCapacity; ++i) {
        if (info.initial_frames[i] == argument_frame()) continue;  // our arguments, mapped
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

uint64_t allocate_frame_run(uint64_t count) {
    abi::FrameSummary frames{};
    if (count == 0 || kernel_info(abi::InfoTopic::Frames, 0, frames) != abi::Error::Ok) return 0;
    // From the top of RAM down: the kernel hands frames out from the bottom up, so long free
    // runs are at the top.
    uint64_t run = 0;
    for (uint64_t pfn = frames.first_pfn + frames.count; pfn-- > frames.first_pfn;) {
        bool free = abi::frame_info_state(frame_query(pfn)) == abi::FrameState::Free;
        run = free ? run + 1 : 0;
        if (run < count) continue;
        uint64_t taken = 0;
        while (taken < count && frame_alloc(pfn + taken).error == abi::Error::Ok) ++taken;
        if (taken == count) return pfn;
        free_frame_run(pfn, taken);  // someone took one meanwhile: look further down
        run = 0;
    }
    return 0;
}

void free_frame_run(uint64_t first, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) (void)frame_free(first + i);
}

}  // namespace exos
