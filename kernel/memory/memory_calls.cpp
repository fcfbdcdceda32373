// The memory calls' work (see memory_calls.h).
#include "memory/memory_calls.h"

#include "memory/address_space.h"
#include "memory/revocation.h"

namespace exo::memory_calls {

namespace {
EnvironmentSlot slot(const Environment& environment) {
    return EnvironmentTable::slot_of(environment.id);
}
}  // namespace

abi::Error free_frame(KernelState& state, Environment& caller, uint64_t pfn) {
    if (abi::Error error = state.frames.check_freeable(pfn, slot(caller)); error != abi::Error::Ok)
        return error;
    state.grants.remove_if([&](const Grant& grant) { return grant.pfn == pfn; });
    if (state.frames.at(pfn).flags & frame_flag::kEssential) --caller.essential_frames;
    state.frames.release_owned(pfn);  // idle time zeroes it
    note_frame_returned(state, caller);
    return abi::Error::Ok;
}

abi::Error set_essential(KernelState& state, Environment& caller, uint64_t pfn, uint64_t on) {
    if (on > 1) return abi::Error::InvalidArgument;
    FrameEntry* entry = state.frames.find(pfn);
    if (entry == nullptr || entry->state != abi::FrameState::Owned ||
        entry->owner != slot(caller)) {
        return abi::Error::NotOwner;
    }
    bool was = entry->flags & frame_flag::kEssential;
    if (on && !was) {
        if (caller.essential_frames == kMaxEssentialFrames) return abi::Error::TooMany;
        entry->flags |= frame_flag::kEssential;
        ++caller.essential_frames;
    } else if (!on && was) {
        entry->flags &= ~frame_flag::kEssential;
        --caller.essential_frames;
    }
    return abi::Error::Ok;
}

abi::Error grant(KernelState& state, Environment& caller, uint64_t pfn, EnvironmentId grantee_id,
                 uint64_t permissions) {
    Environment* grantee = state.environments.find(grantee_id);
    if (grantee == nullptr) return abi::Error::NoSuchEnvironment;
    if (grantee == &caller) return abi::Error::InvalidArgument;
    if (!address_space::valid_permissions(permissions)) return abi::Error::BadPermission;
    if (abi::Error error = state.frames.check_mappable_by_owner(pfn, slot(caller));
        error != abi::Error::Ok) {
        return error;
    }
    // Not while the disk may write it (disk/disk.h): what a grantee sees must be settled.
    if (state.frames.find(pfn)->pin_count != 0) return abi::Error::FrameInUse;
    return state.grants.add(pfn, slot(caller), slot(*grantee), static_cast<uint8_t>(permissions));
}

abi::Error revoke_grant(KernelState& state, Environment& caller, uint64_t pfn,
                        EnvironmentId grantee_id, uint64_t& unmapped) {
    Environment* grantee = state.environments.find(grantee_id);
    if (grantee == nullptr) return abi::Error::NoSuchEnvironment;
    const Grant* existing = state.grants.find(pfn, slot(*grantee));
    if (existing == nullptr || existing->owner != slot(caller)) return abi::Error::NotOwner;
    MemorySystem memory = state.memory();
    unmapped = address_space::unmap_frame(memory, grantee->space, pfn);
    state.grants.remove(pfn, slot(*grantee));
    return abi::Error::Ok;
}

Environment* pressure_victim(KernelState& state, const Environment& caller) {
    uint64_t held[kMaxEnvironments] = {};
    for (uint64_t i = 0; i < state.frames.frame_count(); ++i) {
        const FrameEntry& frame = *state.frames.find(state.frames.first_pfn() + i);
        if (frame.state == abi::FrameState::Owned && frame.owner < kMaxEnvironments)
            ++held[frame.owner];
    }
    uint64_t most = 0;
    Environment* victim = nullptr;
    state.environments.for_each_live([&](Environment& environment) {
        if (&environment == &caller || environment.revocation_remaining != 0) return;
        if (held[slot(environment)] > most) {
            most = held[slot(environment)];
            victim = &environment;
        }
    });
    return victim;
}

}  // namespace exo::memory_calls
