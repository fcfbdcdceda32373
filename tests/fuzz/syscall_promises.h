// What a syscall that succeeded promised, checked after the real handler ran (fuzz_syscall_decode):
// the entries a Map wrote, pages an Unmap left unbound, a Protect's permissions, a revoked frame
// gone from the grantee, an allocated frame zeroed, nothing left of an environment that ended.
// Checks only: the calls themselves go through the kernel's dispatch.
#pragma once

#include <array>
#include <cstdint>

#include "fuzz_support.h"

namespace exo::fuzz {

using Arguments = std::array<uint64_t, 6>;

inline EnvironmentSlot slot_of(const Environment& environment) {
    return EnvironmentTable::slot_of(environment.id);
}

// abi::permission bits of a PTE.
inline uint64_t permissions_of(uint64_t raw) {
    namespace pte = sv39::pte;
    return ((raw & pte::kRead) ? abi::permission::kRead : 0) |
           ((raw & pte::kWrite) ? abi::permission::kWrite : 0) |
           ((raw & pte::kExecute) ? abi::permission::kExecute : 0);
}

inline void check_zeroed(Machine& machine, uint64_t pfn) {
    const std::byte* bytes = machine.frame(pfn);
    for (uint64_t i = 0; i < kPage; ++i)
        check(bytes[i] == std::byte{0}, "allocated frame not zeroed", pfn);
}

// `caller` made call `number` with `a`, and it succeeded with `value`.
inline void check_promises(Machine& machine, Environment& caller, abi::Syscall number,
                           const Arguments& a, uint64_t value) {
    KernelState& state = machine.state;
    MemorySystem memory = state.memory();
    auto entry_at = [&](uint64_t address) {
        return sv39::Entry{address_space::read_entry(memory, caller.space, address)};
    };
    switch (number) {
    case abi::Syscall::FrameAlloc: check_zeroed(machine, value); break;
    case abi::Syscall::Map:
        for (uint64_t i = 0; i < a[2]; ++i) {
            // kPteOwnFrame marks a binding of the caller's own frame (address_space.h).
            check((entry_at(a[0] + i * kPage).raw & ~kPteOwnFrame) ==
                      sv39::Entry::leaf(a[1] + i, address_space::user_pte_flags(a[3])).raw,
                  "mapped entry differs from the request", a[0] + i * kPage);
        }
        break;
    case abi::Syscall::Unmap:
        for (uint64_t i = 0; i < a[1]; ++i) {
            check(!(entry_at(a[0] + i * kPage).raw & (sv39::pte::kValid | kPteNoAccess)),
                  "unmapped page still bound", a[0] + i * kPage);
        }
        break;
    case abi::Syscall::Protect:
        for (uint64_t i = 0; i < a[1]; ++i) {
            sv39::Entry entry = entry_at(a[0] + i * kPage);
            bool right = a[2] == 0 ? !entry.valid() && (entry.raw & kPteNoAccess)
                                   : entry.valid() && permissions_of(entry.raw) == a[2];
            check(right, "protected entry differs from the request", a[0] + i * kPage);
        }
        break;
    case abi::Syscall::GrantRevoke:
        for_each_binding(machine, state.environments.find(a[1])->space,
                         [&](uint64_t address, sv39::Entry entry) {
                             check(entry.pfn() != a[0], "revoked frame still mapped by the grantee",
                                   address);
                         });
        break;
    default: break;
    }
}

// An environment that ended left nothing behind: no frame, no grant, no table entry.
inline void check_ended(Machine& machine, EnvironmentId id) {
    KernelState& state = machine.state;
    EnvironmentSlot gone = EnvironmentTable::slot_of(id);
    check(state.environments.find(id) == nullptr, "destroyed environment still found", id);
    for (const FrameEntry& frame : machine.entries()) {
        check(!(frame.state == abi::FrameState::Owned && frame.owner == gone),
              "destroyed environment's frame kept", id);
    }
    state.grants.for_each([&](const Grant& grant) {
        check(grant.owner != gone && grant.grantee != gone, "grant outlived its environment",
              grant.pfn);
    });
    // Its disk requests became orphans, its extents went.
    check(state.disk.in_flight(gone) == 0, "disk requests kept for an ended environment", id);
    for (const exo::Extent& extent : state.disk.extents().extents()) {
        check(extent.count == 0 || (extent.owner != gone && extent.granter != gone),
              "extent outlived its environment", extent.start);
    }
}

}  // namespace exo::fuzz
