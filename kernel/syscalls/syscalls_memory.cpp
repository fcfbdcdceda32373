// Memory syscalls: frames, mappings, grants. Each is the thin register layer over the checked
// operations in frame_table, address_space and grant_table.
#include <abi/shared_info.h>

#include "cpu/scheduler.h"
#include "memory/address_space.h"
#include "memory/address_space_fast.h"
#include "memory/frame_zeroing.h"
#include "memory/memory_calls.h"
#include "memory/revocation.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

namespace {

// Under memory pressure the kernel asks the largest holder (not the caller) for this many
// frames, due in 1/kPressureDeadlineDivisor of a second (20 ms).
constexpr uint64_t kPressureRequest = 16;
constexpr uint64_t kPressureDeadlineDivisor = 50;

// The environment's slot, as its address space records it (one load instead of decoding the id).
EnvironmentSlot slot(const Environment& environment) { return environment.space.slot; }

[[gnu::noinline, gnu::cold]] void ask_for_frames_back(KernelState& state, Environment& caller,
                                                       SyscallClock& clock) {
    Environment* victim = memory_calls::pressure_victim(state, caller);
    if (victim == nullptr) return;
    request_revocation(state, *victim, kPressureRequest,
                       clock.now() + state.timebase_hz / kPressureDeadlineDivisor);
    arm_timer();
}

}  // namespace

// The general paths below take the arguments in the registers they arrived in (the state and the
// caller after them) and return the result in two (SyscallResult is the register pair), as the
// fast paths do: a fast path then moves no argument before it branches to one, and the branch is
// a tail call. (Not the context by
// reference: that would make every fast path build it in memory, in a stack frame.)
namespace {

// FrameAlloc of a named frame, zeroed on the spot unless known to be zero; of any frame when none
// is known to be zero, zeroed on the spot; or, with no free frame at all, visible revocation.
[[gnu::noinline]] SyscallResult frame_alloc_general(uint64_t pfn, KernelState& state,
                                                    Environment& caller, SyscallClock& clock) {
    if (pfn != abi::kAnyFrame) {
        bool zeroed = false;
        TRY(state.frames.allocate(pfn, slot(caller), &zeroed));
        if (!zeroed) frame_zeroing::zero(*state.physical, pfn);
        return SyscallResult::ok(pfn);
    }
    std::optional<uint64_t> any =
        frame_zeroing::allocate_any(state.frames, *state.physical, slot(caller));
    if (any) return SyscallResult::ok(*any);
    // Visible revocation: ask someone for frames; the caller may retry after they arrive.
    ask_for_frames_back(state, caller, clock);
    return abi::Error::NoMemory;
}

// FrameFree of a frame the one-compare check refused: names the error, or frees a frame that
// carries a flag the compare did not expect (see FrameTable::check_freeable), ending its grants.
[[gnu::noinline]] SyscallResult frame_free_general(uint64_t pfn, KernelState& state,
                                                   Environment& caller) {
    return memory_calls::free_frame(state, caller, pfn);
}

}  // namespace

SyscallResult frame_alloc(SyscallContext& context, const Arguments& arguments) {
    FrameTable& frames = context.state.frames;
    // The common case: any frame, and idle time already zeroed one.
    if (arguments[0] != abi::kAnyFrame || frames.zeroed_free_count() == 0) {
        return frame_alloc_general(arguments[0], context.state, context.caller, context.clock);
    }
    return SyscallResult::ok(frames.take_free(slot(context.caller))->pfn);
}

SyscallResult frame_free(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    Environment& caller = context.caller;
    FrameTable& frames = state.frames;
    uint64_t pfn = arguments[0];
    if (!frames.contains(pfn)) return abi::Error::OutOfRange;
    // Owned by the caller, unmapped, unpinned, not kernel-bound, in one compare; and no grant to
    // end (any grant at all sends the call to the general path, which looks for the frame's).
    uint64_t word = frame_word::load(frames.at(pfn));
    if ((word & frame_word::kFreeCheckMask) != frame_word::owned_by(slot(caller)) ||
        state.grants.count() != 0) {
        return frame_free_general(pfn, state, caller);
    }
    if (word & frame_flag::kEssential) --caller.essential_frames;
    // The frame joins the free frames idle time will zero.
    frames.release_owned(pfn);
    note_frame_returned(state, caller);
    return SyscallResult::ok();
}

SyscallResult frame_query(SyscallContext& context, const Arguments& arguments) {
    return SyscallResult::ok(context.state.frames.query(arguments[0]));
}

SyscallResult frame_set_essential(SyscallContext& context, const Arguments& arguments) {
    return memory_calls::set_essential(context.state, context.caller, arguments[0], arguments[1]);
}

SyscallResult page_table_donate(SyscallContext& context, const Arguments& arguments) {
    MemorySystem memory = context.state.memory();
    return address_space::donate_table_frame(memory, context.caller.space, arguments[0]);
}

// Map, Unmap, Protect and PteRead try the in-line fast paths (address_space_fast.h) first; only
// when those decline is a MemorySystem built and the general path called, out of line (and with
// the arguments where they arrived, see above), so the fast paths need no stack frame.
namespace {

[[gnu::noinline]] SyscallResult map_general(uint64_t virtual_address, uint64_t pfn,
                                            uint64_t count, uint64_t permissions,
                                            KernelState& state, Environment& caller) {
    MemorySystem memory = state.memory();
    return address_space::map(memory, caller.space, virtual_address, pfn, count, permissions);
}

[[gnu::noinline]] SyscallResult unmap_general(uint64_t virtual_address, uint64_t count,
                                              KernelState& state, Environment& caller) {
    MemorySystem memory = state.memory();
    return address_space::unmap(memory, caller.space, virtual_address, count);
}

[[gnu::noinline]] SyscallResult protect_general(uint64_t virtual_address, uint64_t count,
                                                uint64_t permissions, KernelState& state,
                                                Environment& caller) {
    MemorySystem memory = state.memory();
    return address_space::protect(memory, caller.space, virtual_address, count, permissions);
}

[[gnu::noinline]] SyscallResult pte_read_general(uint64_t virtual_address, KernelState& state,
                                                 Environment& caller) {
    MemorySystem memory = state.memory();
    return SyscallResult::ok(address_space::read_entry(memory, caller.space, virtual_address));
}

}  // namespace

SyscallResult map(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (address_space::fast::map(state.frames, *state.tlb, context.caller.space, arguments[0],
                                 arguments[1], arguments[2], arguments[3])) {
        return SyscallResult::ok();
    }
    return map_general(arguments[0], arguments[1], arguments[2], arguments[3], state,
                       context.caller);
}

SyscallResult unmap(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (address_space::fast::unmap(state.frames, *state.tlb, context.caller.space, arguments[0],
                                   arguments[1])) {
        return SyscallResult::ok();
    }
    return unmap_general(arguments[0], arguments[1], state, context.caller);
}

SyscallResult protect(SyscallContext& context, const Arguments& arguments) {
    if (address_space::fast::protect(*context.state.tlb, context.caller.space, arguments[0],
                                     arguments[1], arguments[2])) {
        return SyscallResult::ok();
    }
    return protect_general(arguments[0], arguments[1], arguments[2], context.state,
                           context.caller);
}

SyscallResult pte_read(SyscallContext& context, const Arguments& arguments) {
    if (const sv39::Entry* entry =
            address_space::fast::cached_slot(context.caller.space, arguments[0])) {
        return SyscallResult::ok(entry->raw);
    }
    return pte_read_general(arguments[0], context.state, context.caller);
}

SyscallResult grant(SyscallContext& context, const Arguments& arguments) {
    return memory_calls::grant(context.state, context.caller, arguments[0], arguments[1],
                               arguments[2]);
}

SyscallResult grant_revoke(SyscallContext& context, const Arguments& arguments) {
    uint64_t unmapped = 0;
    TRY(memory_calls::revoke_grant(context.state, context.caller, arguments[0], arguments[1],
                                   unmapped));
    return SyscallResult::ok(unmapped);
}

}  // namespace exo::syscall
