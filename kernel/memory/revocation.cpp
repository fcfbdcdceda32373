// Revocation requests and repossession (see revocation.h).
#include "memory/revocation.h"

namespace exo {

void request_revocation(KernelState& state, Environment& environment, uint64_t count,
                        uint64_t deadline) {
    environment.revocation_remaining = count;
    environment.revocation_deadline = deadline;
    state.revocations_outstanding = true;
    environment.revocation_upcall_pending =
        environment.entries[static_cast<size_t>(abi::Entry::Revocation)].pc != 0;
    abi::SharedInfo& info = *environment.shared_info;
    ++info.revocation.sequence;
    info.revocation.frames_requested = count;
    info.revocation.frames_returned = 0;
    info.revocation.deadline = deadline;
    info.events |= abi::event::kRevocationRequested;
}

void note_frame_returned(KernelState&, Environment& environment) {
    if (environment.revocation_remaining == 0) return;
    --environment.revocation_remaining;
    ++environment.shared_info->revocation.frames_returned;
}

namespace {

bool takeable(const FrameEntry& frame, EnvironmentSlot slot) {
    return frame.state == abi::FrameState::Owned && frame.owner == slot && frame.pin_count == 0 &&
           !(frame.flags & (frame_flag::kKernelBound | frame_flag::kEssential));
}

}  // namespace

uint64_t repossess(KernelState& state, Environment& environment, uint64_t count) {
    EnvironmentSlot slot = EnvironmentTable::slot_of(environment.id);
    MemorySystem memory = state.memory();
    abi::SharedInfo& info = *environment.shared_info;
    uint64_t taken = 0;
    // Unmapped frames first: taking them breaks nothing the environment is using.
    for (int pass = 0; pass < 2 && taken < count; ++pass) {
        for (uint64_t i = 0; i < state.frames.frame_count() && taken < count; ++i) {
            uint64_t pfn = state.frames.first_pfn() + i;
            const FrameEntry& frame = *state.frames.find(pfn);
            if (!takeable(frame, slot) || (pass == 0 && frame.map_count != 0)) continue;
            state.grants.remove_if([&](const Grant& grant) {
                if (grant.pfn != pfn || grant.owner != slot) return false;
                if (Environment* grantee = state.environments.at_slot(grant.grantee)) {
                    address_space::unmap_frame(memory, grantee->space, pfn);
                }
                return true;
            });
            address_space::unmap_frame(memory, environment.space, pfn);
            state.frames.release(pfn);
            info.repossessed[info.repossessed_total % abi::kRepossessionSlots] = pfn;
            ++info.repossessed_total;
            ++taken;
        }
    }
    if (taken != 0) info.events |= abi::event::kFramesRepossessed;
    return taken;
}

// Out of line: inlined into the tick, its loop made every tick save a dozen registers.
[[gnu::noinline]] void enforce_revocation_deadlines(KernelState& state, uint64_t now) {
    if (!state.revocations_outstanding) return;
    state.environments.for_each_live([&](Environment& environment) {
        if (environment.revocation_remaining == 0 || environment.revocation_deadline > now) return;
        repossess(state, environment, environment.revocation_remaining);
        environment.revocation_remaining = 0;
        environment.revocation_upcall_pending = false;
    });
}

uint64_t next_revocation_deadline(KernelState& state) {
    if (!state.revocations_outstanding) return ~uint64_t{0};
    uint64_t earliest = ~uint64_t{0};
    bool any = false;
    state.environments.for_each_live([&](Environment& environment) {
        if (environment.revocation_remaining == 0) return;
        any = true;
        if (environment.revocation_deadline < earliest) earliest = environment.revocation_deadline;
    });
    state.revocations_outstanding = any;
    return earliest;
}

}  // namespace exo
