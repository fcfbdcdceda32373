// What fuzz_syscall_decode checks after every step, beyond each call's own promises: the
// kernel's audit, the rules the audit does not look at (no page-table frame reachable from user
// space, a foreign frame mapped only within its grant, the shared page only where it belongs,
// valid Sv39 encodings, essential counts), translations that went away or lost a permission
// flushed from the TLB, and, for a refused call, that nothing changed at all.
#pragma once

#include <abi/trap_page.h>
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_support.h"
#include "syscall_promises.h"

namespace exo::fuzz {

// One bound leaf of one environment's user half.
struct Binding {
    EnvironmentSlot slot;
    uint16_t asid;
    uint64_t virtual_address;
    uint64_t raw;
};

// Everything a refused call must leave as it was.
struct Snapshot {
    struct Slot {
        EnvironmentId id;
        uint32_t essential_frames;
        uint64_t revocation_remaining, revocation_deadline;
        uint32_t table_reserve_count;
        std::array<UpcallEntry, static_cast<size_t>(abi::Entry::Count)> entries;
    };
    std::vector<FrameEntry> frames;
    std::vector<Grant> grants;
    std::vector<Slot> slots;
    std::vector<Binding> bindings;
};

class OwnershipChecks {
public:
    explicit OwnershipChecks(Machine& machine) : machine_(machine), state_(machine.state) {}

    // Starts from the machine as it is: the bindings the first step is compared with.
    void resume() { bindings_ = bindings(); }

    // Before a step: what it may not change if refused. Clears the TLB log the step will fill.
    Snapshot before_step() {
        Snapshot snap = snapshot();
        machine_.page_flushes.clear();
        machine_.space_flushes.clear();
        return snap;
    }

    // After a step; `refused` is its snapshot when it was a call that failed.
    void after_step(const Snapshot* refused, uint64_t number) {
        std::vector<Binding> after = bindings();
        if (refused != nullptr) unchanged(*refused, after, number);
        if (uint64_t problems = machine_.audit_problems())
            fail("the audit found problems", problems);
        check(machine_.bad_frame_accesses == 0, "the kernel reached outside RAM",
              machine_.bad_frame_accesses);
        check_essential_counts();
        for (const Binding& binding : after) {
            check_binding(*state_.environments.at_slot(binding.slot), binding.virtual_address,
                          sv39::Entry{binding.raw});
        }
        check_flushes(after);
        bindings_ = std::move(after);
    }

private:
    Snapshot snapshot() {
        Snapshot snap;
        snap.frames.assign(machine_.entries().begin(), machine_.entries().end());
        state_.grants.for_each([&](const Grant& grant) { snap.grants.push_back(grant); });
        state_.environments.for_each_live([&](Environment& environment) {
            snap.slots.push_back({environment.id, environment.essential_frames,
                                  environment.revocation_remaining, environment.revocation_deadline,
                                  environment.space.table_reserve_count, environment.entries});
        });
        snap.bindings = bindings_;
        return snap;
    }

    std::vector<Binding> bindings() {
        std::vector<Binding> all;
        state_.environments.for_each_live([&](Environment& environment) {
            for_each_binding(machine_, environment.space, [&](uint64_t address, sv39::Entry entry) {
                all.push_back({slot_of(environment), environment.space.asid, address, entry.raw});
            });
        });
        return all;
    }

    // Decode, then perform: a refused call leaves frames, grants, environments, bindings and the
    // TLB exactly as they were.
    void unchanged(const Snapshot& before, const std::vector<Binding>& after, uint64_t number) {
        check(machine_.page_flushes.empty() && machine_.space_flushes.empty(),
              "refused call flushed the TLB", number);
        Snapshot now = snapshot();
        for (size_t i = 0; i < before.frames.size(); ++i) {
            const FrameEntry &a = before.frames[i], &b = now.frames[i];
            check(a.state == b.state && a.flags == b.flags && a.owner == b.owner &&
                      a.map_count == b.map_count && a.pin_count == b.pin_count,
                  "refused call changed a frame", Machine::kFirstPfn + i);
        }
        check(before.grants.size() == now.grants.size(), "refused call changed the grants", number);
        for (size_t i = 0; i < before.grants.size(); ++i) {
            const Grant &a = before.grants[i], &b = now.grants[i];
            check(a.pfn == b.pfn && a.owner == b.owner && a.grantee == b.grantee &&
                      a.permissions == b.permissions,
                  "refused call changed a grant", a.pfn);
        }
        check(before.slots.size() == now.slots.size(), "refused call changed the environments",
              number);
        for (size_t i = 0; i < before.slots.size(); ++i) {
            const Snapshot::Slot &a = before.slots[i], &b = now.slots[i];
            bool same_entries = std::equal(a.entries.begin(), a.entries.end(), b.entries.begin(),
                                           [](const UpcallEntry& x, const UpcallEntry& y) {
                                               return x.pc == y.pc && x.sp == y.sp;
                                           });
            check(a.id == b.id && a.essential_frames == b.essential_frames &&
                      a.revocation_remaining == b.revocation_remaining &&
                      a.revocation_deadline == b.revocation_deadline &&
                      a.table_reserve_count == b.table_reserve_count && same_entries,
                  "refused call changed an environment", a.id);
        }
        check(before.bindings.size() == after.size(), "refused call changed the bindings", number);
        for (size_t i = 0; i < after.size(); ++i) {
            check(before.bindings[i].virtual_address == after[i].virtual_address &&
                      before.bindings[i].raw == after[i].raw,
                  "refused call changed a binding", after[i].virtual_address);
        }
    }

    // A translation that went away or lost a permission must have been flushed from the TLB, by
    // page or with its whole address space.
    void check_flushes(const std::vector<Binding>& after) {
        constexpr uint64_t kKept = sv39::pte::kValid | sv39::pte::kRead | sv39::pte::kWrite |
                                   sv39::pte::kExecute | sv39::pte::kUser;
        for (const Binding& was : bindings_) {
            auto now = std::find_if(after.begin(), after.end(), [&](const Binding& is) {
                return is.slot == was.slot && is.virtual_address == was.virtual_address;
            });
            bool weakened = now == after.end() ||
                            sv39::Entry{now->raw}.pfn() != sv39::Entry{was.raw}.pfn() ||
                            (was.raw & kKept & ~now->raw) != 0;
            if (weakened) {
                check(machine_.flushed(was.virtual_address, was.asid),
                      "stale translation left in the TLB", was.virtual_address);
            }
        }
    }

    void check_essential_counts() {
        std::array<uint32_t, kMaxEnvironments> essential{};
        for (const FrameEntry& frame : machine_.entries()) {
            if (frame.state == abi::FrameState::Owned && (frame.flags & frame_flag::kEssential) &&
                frame.owner < kMaxEnvironments) {
                ++essential[frame.owner];
            }
        }
        state_.environments.for_each_live([&](Environment& environment) {
            check(essential[slot_of(environment)] == environment.essential_frames,
                  "essential frame count", environment.id);
        });
    }

    // Which frames a user mapping may name, and with what rights.
    void check_binding(const Environment& environment, uint64_t address, sv39::Entry entry) {
        namespace pte = sv39::pte;
        const FrameEntry* frame = state_.frames.find(entry.pfn());
        if (frame == nullptr) return;  // outside RAM: the audit judges device pages
        check(!(frame->flags & (frame_flag::kPageTable | frame_flag::kTableReserve)),
              "a page-table frame is mapped into user space", address);
        if (entry.valid()) {
            check((entry.raw & pte::kUser) && sv39::is_valid_leaf_permission(entry.raw),
                  "user mapping with a reserved encoding", address);
        }
        bool shared_page = address == abi::kSharedInfoAddress;
        bool trap_page = address == abi::kTrapPageAddress;
        check((shared_page || trap_page) == ((frame->flags & frame_flag::kSharedInfo) != 0),
              "shared or trap page mapped elsewhere", address);
        if (shared_page) {
            check(entry.pfn() == environment.shared_info_pfn &&
                      !(entry.raw & (pte::kWrite | pte::kExecute)),
                  "shared page mapping", address);
            return;
        }
        if (trap_page) {  // the library OS's to write, never to execute
            check(entry.pfn() == environment.trap_page_pfn && !(entry.raw & pte::kExecute),
                  "trap page mapping", address);
            return;
        }
        if (frame->owner == slot_of(environment)) return;
        const Grant* grant = state_.grants.find(entry.pfn(), slot_of(environment));
        check(grant != nullptr, "another environment's frame mapped without a grant", address);
        check((permissions_of(entry.raw) & ~uint64_t{grant->permissions}) == 0,
              "mapping exceeds its grant", address);
    }

    Machine& machine_;
    KernelState& state_;
    std::vector<Binding> bindings_;  // every environment's bindings after the last step
};

}  // namespace exo::fuzz
