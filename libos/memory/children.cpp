// Starting children and learning how they ended (see children.h).
#include <exos/arguments.h>
#include <exos/children.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace exos {

namespace {

constexpr uint64_t kMaxFrames = 512;
// Where a parent writes a child's arguments: beside the child's own kArgumentsAddress, in the
// 2 MiB region whose page table the kernel made for the stack (no donated frame needed).
constexpr uint64_t kArgumentsScratch = kArgumentsAddress + 0x1000;

// `count` frames from the pool into `frames`; on failure none are taken.
bool take_frames(FramePool& pool, uint64_t* frames, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) {
            for (uint64_t j = 0; j < i; ++j) pool.add(frames[j]);
            return false;
        }
        frames[i] = *frame;
    }
    return true;
}

// The arguments into `frame` (zeroed first: the child sees nothing of ours but them).
abi::Error write_argument_frame(uint64_t frame, const Launch& launch) {
    constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
    if (abi::Error error = map(kArgumentsScratch, frame, 1, RW); error != abi::Error::Ok)
        return error;
    auto* page = reinterpret_cast<ArgumentPage*>(kArgumentsScratch);
    auto* words = reinterpret_cast<volatile uint64_t*>(page);
    for (size_t i = 0; i < sizeof(ArgumentPage) / 8; ++i) words[i] = 0;
    bool fits = write_arguments(*page, launch.argc, launch.argv, launch.slots);
    (void)unmap(kArgumentsScratch);
    return fits ? abi::Error::Ok : abi::Error::TooLarge;
}

template <typename Create>
Child create_with(FramePool& pool, uint64_t needed, uint64_t extra, const Launch* launch,
                  Create&& create) {
    uint64_t count = needed + extra;
    if (count > kMaxFrames || (launch != nullptr && extra == 0))
        return {abi::Error::InvalidArgument, 0, 0, 0};
    uint64_t frames[kMaxFrames];
    if (!take_frames(pool, frames, count)) return {abi::Error::NoMemory, 0, 0, 0};
    abi::Error written = launch ? write_argument_frame(frames[needed], *launch) : abi::Error::Ok;
    SyscallReturn created =
        written == abi::Error::Ok ? create(frames, count) : SyscallReturn{written, 0};
    if (created.error != abi::Error::Ok) {
        for (uint64_t i = 0; i < count; ++i) pool.add(frames[i]);
        return {created.error, 0, 0, created.value};
    }
    return {abi::Error::Ok, created.value, extra ? frames[needed] : 0, 0};
}

Child spawn_image(FramePool& pool, uint64_t image, uint64_t extra, const Launch* launch) {
    // A create with no frames is refused with the number the image needs.
    SyscallReturn probe = environment_create(image, nullptr, 0);
    if (probe.error != abi::Error::NoMemory) return {probe.error, 0, 0, 0};
    return create_with(pool, probe.value, extra, launch,
                       [&](const uint64_t* frames, uint64_t count) {
                           return environment_create(image, frames, count);
                       });
}

}  // namespace

Child spawn(FramePool& pool, uint64_t image, uint64_t extra) {
    return spawn_image(pool, image, extra, nullptr);
}

Child spawn(FramePool& pool, uint64_t image, uint64_t extra, const Launch& launch) {
    return spawn_image(pool, image, extra, &launch);
}

Child spawn_elf(FramePool& pool, uint64_t first_pfn, uint64_t length, const char* name,
                uint64_t extra, const Launch& launch) {
    char label[abi::kEnvironmentNameBytes] = {};
    for (size_t i = 0; i + 1 < sizeof(label) && name[i] != '\0'; ++i) label[i] = name[i];
    SyscallReturn probe = environment_create_elf(first_pfn, length, nullptr, 0, label);
    if (probe.error != abi::Error::NoMemory) return {probe.error, 0, 0, probe.value};
    return create_with(pool, probe.value, extra, &launch,
                       [&](const uint64_t* frames, uint64_t count) {
                           return environment_create_elf(first_pfn, length, frames, count, label);
                       });
}

void wait_for(uint64_t child) {
    while (yield(child) == abi::Error::Ok) {
    }
}

bool child_end(uint64_t child, abi::ChildEnd& end) {
    const volatile abi::SharedInfo& info = shared_info();
    uint64_t total = info.child_ends_total;
    uint64_t oldest = total > abi::kChildEndSlots ? total - abi::kChildEndSlots : 0;
    for (uint64_t n = total; n-- > oldest;) {
        const volatile abi::ChildEnd& record = info.child_ends[n % abi::kChildEndSlots];
        if (record.id != child) continue;
        end = {record.id, record.status, record.reason, 0, record.cause};
        return true;
    }
    return false;
}

abi::ChildEnd wait_for_end(uint64_t child) {
    abi::ChildEnd end{};
    for (;;) {
        if (child_end(child, end)) return end;
        abi::EnvironmentInfo info{};
        uint64_t slot = (child & 0xffff) - 1;
        bool alive = kernel_info(abi::InfoTopic::Environment, slot, info) == abi::Error::Ok &&
                     info.id == child;
        if (!alive && !child_end(child, end)) return {child, -1, abi::EndReason::Destroyed, 0, 0};
        (void)event_wait(abi::event::kChildEnded);
    }
}

}  // namespace exos
