// spawn and wait_for (see children.h).
#include <exos/children.h>
#include <exos/syscall.h>

namespace exos {

Child spawn(FramePool& pool, uint64_t image, uint64_t extra) {
    // A create with no frames is refused with the number the image needs.
    SyscallReturn probe = environment_create(image, nullptr, 0);
    if (probe.error != abi::Error::NoMemory) return {probe.error, 0, 0};
    uint64_t count = probe.value + extra;
    if (count > 512) return {abi::Error::InvalidArgument, 0, 0};
    uint64_t frames[512];
    for (uint64_t i = 0; i < count; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) {
            for (uint64_t j = 0; j < i; ++j) pool.add(frames[j]);
            return {abi::Error::NoMemory, 0, 0};
        }
        frames[i] = *frame;
    }
    SyscallReturn created = environment_create(image, frames, count);
    if (created.error != abi::Error::Ok) {
        for (uint64_t i = 0; i < count; ++i) pool.add(frames[i]);
        return {created.error, 0, 0};
    }
    return {abi::Error::Ok, created.value, extra ? frames[probe.value] : 0};
}

void wait_for(uint64_t child) {
    while (yield(child) == abi::Error::Ok) {
    }
}

}  // namespace exos
