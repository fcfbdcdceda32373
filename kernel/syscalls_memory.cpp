// Memory syscalls: frames, mappings, grants. Each is the thin register layer over the checked
// operations in frame_table, address_space and grant_table.
#include <abi/shared_info.h>

#include "address_space.h"
#include "address_space_fast.h"
#include "arch/riscv64/timer.h"
#include "frame_zeroing.h"
#include "memory_calls.h"
#include "revocation.h"
#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"

namespace exo::syscall {

namespace {

// Under memory pressure the kernel asks the largest holder (not the caller) for this many
// frames, due this many timer ticks from now (set at boot from the timebase: 20 ms).
constexpr uint64_t kPressureRequest = 16;
uint64_t pressure_deadline_ticks = 200000;

// The environment's slot, as its address space records it (one load instead of decoding the id).
EnvironmentSlot slot(const Environment& environment) { return environment.space.slot; }

SyscallResult result(abi::Error error, uint64_t value = 0) {
    return error == abi::Error::Ok ? SyscallResult::ok(value) : SyscallResult::fail(error);
}

[[gnu::noinline, gnu::cold]] void ask_for_frames_back(Environment& caller) {
    KernelState& state = kernel_state();
    Environment* victim = memory_calls::pressure_victim(state, caller);
    if (victim == nullptr) return;
    request_revocation(state, *victim, kPressureRequest,
                       riscv::timer_now() + pressure_deadline_ticks);
    arm_timer();
}

}  // namespace

void set_pressure_deadline(uint64_t ticks) { pressure_deadline_ticks = ticks; }

// The general paths below take the arguments in the registers they arrived in and return the
// result in two registers, as the fast paths do (the caller is current_environment()): a fast path
// then moves nothing before it branches to one, and the branch is a tail call.
namespace {

using RegisterPair = unsigned __int128;

RegisterPair pack(SyscallResult result) {
    return RegisterPair{result.value} << 64 | static_cast<uint64_t>(result.error);
}

SyscallResult unpack(RegisterPair pair) {
    return {static_cast<abi::Error>(static_cast<uint64_t>(pair)),
            static_cast<uint64_t>(pair >> 64)};
}

// FrameAlloc of a named frame, zeroed on the spot unless known to be zero; of any frame when none
// is known to be zero, zeroed on the spot; or, with no free frame at all, visible revocation.
[[gnu::noinline]] RegisterPair frame_alloc_general(uint64_t pfn) {
    KernelState& state = kernel_state();
    Environment& caller = current_environment();
    if (pfn != abi::kAnyFrame) {
        bool zeroed = false;
        abi::Error error = state.frames.allocate(pfn, slot(caller), &zeroed);
        if (error != abi::Error::Ok) return pack(SyscallResult::fail(error));
        if (!zeroed) frame_zeroing::zero(*state.physical, pfn);
        return pack(SyscallResult::ok(pfn));
    }
    std::optional<uint64_t> any =
        frame_zeroing::allocate_any(state.frames, *state.physical, slot(caller));
    if (any) return pack(SyscallResult::ok(*any));
    // Visible revocation: ask someone for frames; the caller may retry after they arrive.
    ask_for_frames_back(caller);
    return pack(SyscallResult::fail(abi::Error::NoMemory));
}

// FrameFree of a frame the one-compare check refused: names the error, or frees a frame that
// carries a flag the compare did not expect (see FrameTable::check_freeable), ending its grants.
[[gnu::noinline]] RegisterPair frame_free_general(uint64_t pfn) {
    return pack(result(memory_calls::free_frame(kernel_state(), current_environment(), pfn)));
}

}  // namespace

SyscallResult frame_alloc(Environment& caller, const Arguments& arguments) {
    FrameTable& frames = kernel_state().frames;
    // The common case: any frame, and idle time already zeroed one.
    if (arguments[0] != abi::kAnyFrame || frames.zeroed_free_count() == 0) {
        return unpack(frame_alloc_general(arguments[0]));
    }
    return SyscallResult::ok(frames.take_free(slot(caller))->pfn);
}

SyscallResult frame_free(Environment& caller, const Arguments& arguments) {
    KernelState& state = kernel_state();
    FrameTable& frames = state.frames;
    uint64_t pfn = arguments[0];
    if (!frames.contains(pfn)) return SyscallResult::fail(abi::Error::OutOfRange);
    // Owned by the caller, unmapped, unpinned, not kernel-bound, in one compare; and no grant to
    // end (any grant at all sends the call to the general path, which looks for the frame's).
    uint64_t word = frame_word::load(frames.at(pfn));
    if ((word & frame_word::kFreeCheckMask) != frame_word::owned_by(slot(caller)) ||
        state.grants.count() != 0) {
        return unpack(frame_free_general(pfn));
    }
    if (word & frame_flag::kEssential) --caller.essential_frames;
    // The frame joins the free frames idle time will zero.
    frames.release_owned(pfn);
    note_frame_returned(state, caller);
    return SyscallResult::ok();
}

SyscallResult frame_query(Environment&, const Arguments& arguments) {
    return SyscallResult::ok(kernel_state().frames.query(arguments[0]));
}

SyscallResult frame_set_essential(Environment& caller, const Arguments& arguments) {
    return result(memory_calls::set_essential(kernel_state(), caller, arguments[0], arguments[1]));
}

SyscallResult page_table_donate(Environment& caller, const Arguments& arguments) {
    MemorySystem memory = kernel_state().memory();
    return result(address_space::donate_table_frame(memory, caller.space, arguments[0]));
}

// Map, Unmap, Protect and PteRead try the in-line fast paths (address_space_fast.h) first; only
// when those decline is a MemorySystem built and the general path called, out of line (and with
// the arguments where they arrived, see above), so the fast paths need no stack frame.
namespace {

[[gnu::noinline]] RegisterPair map_general(uint64_t virtual_address, uint64_t pfn, uint64_t count,
                                           uint64_t permissions) {
    MemorySystem memory = kernel_state().memory();
    return pack(result(address_space::map(memory, current_environment().space, virtual_address, pfn,
                                          count, permissions)));
}

[[gnu::noinline]] RegisterPair unmap_general(uint64_t virtual_address, uint64_t count) {
    MemorySystem memory = kernel_state().memory();
    return pack(
        result(address_space::unmap(memory, current_environment().space, virtual_address, count)));
}

[[gnu::noinline]] RegisterPair protect_general(uint64_t virtual_address, uint64_t count,
                                               uint64_t permissions) {
    MemorySystem memory = kernel_state().memory();
    return pack(result(address_space::protect(memory, current_environment().space, virtual_address,
                                              count, permissions)));
}

[[gnu::noinline]] RegisterPair pte_read_general(uint64_t virtual_address) {
    MemorySystem memory = kernel_state().memory();
    return pack(SyscallResult::ok(
        address_space::read_entry(memory, current_environment().space, virtual_address)));
}

}  // namespace

SyscallResult map(Environment& caller, const Arguments& arguments) {
    KernelState& state = kernel_state();
    if (address_space::fast::map(state.frames, *state.tlb, caller.space, arguments[0], arguments[1],
                                 arguments[2], arguments[3])) {
        return SyscallResult::ok();
    }
    return unpack(map_general(arguments[0], arguments[1], arguments[2], arguments[3]));
}

SyscallResult unmap(Environment& caller, const Arguments& arguments) {
    KernelState& state = kernel_state();
    if (address_space::fast::unmap(state.frames, *state.tlb, caller.space, arguments[0],
                                   arguments[1])) {
        return SyscallResult::ok();
    }
    return unpack(unmap_general(arguments[0], arguments[1]));
}

SyscallResult protect(Environment& caller, const Arguments& arguments) {
    if (address_space::fast::protect(*kernel_state().tlb, caller.space, arguments[0], arguments[1],
                                     arguments[2])) {
        return SyscallResult::ok();
    }
    return unpack(protect_general(arguments[0], arguments[1], arguments[2]));
}

SyscallResult pte_read(Environment& caller, const Arguments& arguments) {
    if (const sv39::Entry* slot = address_space::fast::cached_slot(caller.space, arguments[0])) {
        return SyscallResult::ok(slot->raw);
    }
    return unpack(pte_read_general(arguments[0]));
}

SyscallResult grant(Environment& caller, const Arguments& arguments) {
    return result(
        memory_calls::grant(kernel_state(), caller, arguments[0], arguments[1], arguments[2]));
}

SyscallResult grant_revoke(Environment& caller, const Arguments& arguments) {
    uint64_t unmapped = 0;
    abi::Error error =
        memory_calls::revoke_grant(kernel_state(), caller, arguments[0], arguments[1], unmapped);
    return result(error, unmapped);
}

}  // namespace exo::syscall
