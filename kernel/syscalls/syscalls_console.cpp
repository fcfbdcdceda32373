// The console's input (ConsoleRead), waiting for events (EventWait) and the kernel's public
// facts (KernelInfo): docs/abi.md.
#include <abi/info.h>
#include <abi/shared_info.h>

#include "cpu/events.h"
#include "cpu/scheduler.h"
#include "kernel_state.h"
#include "memory/user_copy.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

using riscv::reg::a0;
using riscv::reg::a1;

namespace {

EnvironmentSlot slot_of(const Environment& environment) {
    return EnvironmentTable::slot_of(environment.id);
}

template <typename Record>
SyscallResult give(SyscallContext& context, uint64_t address, const Record& record) {
    TRY(copy_to_user(context.state, context.caller, address, &record, sizeof(record)));
    return SyscallResult::ok();
}

SyscallResult environment_info(SyscallContext& context, uint64_t index, uint64_t address) {
    KernelState& state = context.state;
    if (index >= kMaxEnvironments) return abi::Error::OutOfRange;
    Environment* environment = state.environments.at_slot(static_cast<EnvironmentSlot>(index));
    if (environment == nullptr) return abi::Error::NoSuchEnvironment;
    namespace bit = abi::environment_state;
    abi::EnvironmentInfo info{};
    info.id = environment->id;
    info.parent = environment->parent;
    for (size_t i = 0; i + 1 < sizeof(info.name) && environment->name[i] != '\0'; ++i)
        info.name[i] = environment->name[i];
    info.state = (environment == &context.caller ? bit::kOnCpu : 0) |
                 (environment->waiting() ? bit::kWaiting : 0) |
                 (environment->serving() ? bit::kServing : 0) |
                 (environment->in_upcall ? bit::kInUpcall : 0) |
                 (environment->sleeping() ? bit::kSleeping : 0) |
                 (background_id() == environment->id ? bit::kBackground : 0) |
                 (state.console_input.holder() == index ? bit::kConsoleInput : 0);
    for (uint32_t slot = 0; slot < state.slices.count(); ++slot)
        info.slots += state.slices.owner(slot) == index;
    info.slices_started = environment->shared_info->slices_started;
    info.upcalls = environment->shared_info->upcalls;
    info.wait_events = environment->wait_events;
    return give(context, address, info);
}

SyscallResult frame_summary(SyscallContext& context, uint64_t address) {
    const FrameTable& frames = context.state.frames;
    abi::FrameSummary summary{frames.first_pfn(),
                              frames.frame_count(),
                              frames.count(abi::FrameState::Free),
                              frames.count(abi::FrameState::Kernel),
                              frames.count(abi::FrameState::Reserved),
                              frames.count(abi::FrameState::Device),
                              frames.count(abi::FrameState::Owned)};
    return give(context, address, summary);
}

SyscallResult line_info(SyscallContext& context, uint64_t line, uint64_t address) {
    KernelState& state = context.state;
    if (line >= InterruptTable::kMaxLines) return abi::Error::OutOfRange;
    uint32_t number = static_cast<uint32_t>(line);
    abi::LineInfo info{number, state.interrupts.kernel_use(number), 0, 0, 0};
    if (info.use != abi::LineUse::None) {
        info.count = state.interrupts.kernel_interrupts(number);
    } else {
        for (uint32_t i = 0; i < state.interrupts.device_count(); ++i) {
            if (state.interrupts.device(i).line == number) info.use = abi::LineUse::Device;
        }
        if (Environment* owner = state.environments.at_slot(state.interrupts.line_owner(number)))
            info.owner = owner->id;
        info.in_flight = state.interrupts.in_flight(number);
    }
    return give(context, address, info);
}

SyscallResult console_info(SyscallContext& context, uint64_t address) {
    KernelState& state = context.state;
    const ConsoleInput& input = state.console_input;
    Environment* holder = state.environments.at_slot(input.holder());
    abi::ConsoleInfo info{holder ? holder->id : 0, input.line(), 0,
                          input.received(), input.dropped(), input.buffered()};
    return give(context, address, info);
}

SyscallResult image_info(SyscallContext& context, uint64_t index, uint64_t address) {
    std::span<const EmbeddedImage> images = context.state.images;
    if (index >= images.size()) return abi::Error::OutOfRange;
    abi::ImageInfo info{};
    for (size_t i = 0; i + 1 < sizeof(info.name) && images[index].name[i] != '\0'; ++i)
        info.name[i] = images[index].name[i];
    info.bytes = images[index].size;
    return give(context, address, info);
}

}  // namespace

SyscallResult console_read(SyscallContext& context, const Arguments& arguments) {
    uint64_t address = arguments[0];
    uint64_t length = arguments[1];
    ConsoleInput& input = context.state.console_input;
    if (length > abi::kConsoleReadMax) return abi::Error::InvalidArgument;
    if (input.holder() != slot_of(context.caller)) return abi::Error::Busy;
    uint8_t chunk[256];
    uint64_t done = 0;
    while (done < length) {
        uint64_t want = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
        uint32_t got = input.peek(chunk, static_cast<uint32_t>(want));
        if (got == 0) break;
        // Bytes leave the ring only once they reached the caller: a bad buffer loses nothing.
        if (abi::Error error = copy_to_user(context.state, context.caller, address + done, chunk,
                                            got);
            error != abi::Error::Ok) {
            if (done == 0) return error;
            break;
        }
        input.consume(got);
        done += got;
    }
    // Drained: a kConsoleInput latched for these bytes would only wake the next EventWait early.
    if (input.buffered() == 0) context.caller.posted_events &= ~abi::event::kConsoleInput;
    return SyscallResult::ok(done);
}

SyscallResult event_wait(SyscallContext& context, riscv::TrapFrame& frame) {
    Environment& caller = context.caller;
    uint64_t mask = frame.x[a0];
    uint64_t deadline = frame.x[a1];
    // The clock only for a deadline: reading it costs a trap into the firmware on the FU540.
    WaitDecision decision = decide_wait(caller, mask, deadline, deadline ? context.clock.now() : 0);
    if (decision.error != abi::Error::Ok) return decision.error;
    if (!decision.sleep) return SyscallResult::ok(decision.bits);
    caller.wait_events = mask;
    caller.wait_deadline = deadline;
    SyscallResult::ok(0).write_to(frame);  // a1 becomes the bits that wake it
    (void)sleep_environment(caller);
    return SyscallResult::registers_set();
}

SyscallResult kernel_info(SyscallContext& context, const Arguments& arguments) {
    uint64_t index = arguments[1];
    uint64_t address = arguments[2];
    switch (arguments[0]) {
    case static_cast<uint64_t>(abi::InfoTopic::Environment):
        return environment_info(context, index, address);
    case static_cast<uint64_t>(abi::InfoTopic::Frames): return frame_summary(context, address);
    case static_cast<uint64_t>(abi::InfoTopic::Line): return line_info(context, index, address);
    case static_cast<uint64_t>(abi::InfoTopic::Console): return console_info(context, address);
    case static_cast<uint64_t>(abi::InfoTopic::Image): return image_info(context, index, address);
    default: return abi::Error::InvalidArgument;
    }
}

}  // namespace exo::syscall
