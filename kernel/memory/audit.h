// The consistency check behind the Audit syscall and the host model tests: every frame is
// accounted for exactly once, every map count matches the page tables, every owner is alive.
#pragma once

#include <cstdint>
#include <span>

#include "kernel_state.h"

namespace exo {

struct AuditReport {
    uint64_t problems = 0;
    uint64_t free = 0, kernel = 0, reserved = 0, owned = 0, mappings = 0, tables = 0;
};

// `scratch` holds one counter per frame. `report_problem` receives a short description of each
// inconsistency (the kernel prints them; tests collect them). A template, so each chooses how.
template <typename Report>
AuditReport audit(KernelState& state, std::span<uint16_t> scratch, Report&& report_problem) {
    AuditReport result;
    FrameTable& frames = state.frames;
    auto problem = [&](const char* what, uint64_t pfn) {
        ++result.problems;
        report_problem(what, pfn);
    };
    if (scratch.size() < frames.frame_count()) {
        problem("audit scratch too small", 0);
        return result;
    }
    for (uint64_t i = 0; i < frames.frame_count(); ++i) scratch[i] = 0;
    MemorySystem memory = state.memory();

    // Mappings and tables, as the page tables themselves say.
    state.environments.for_each_live([&](Environment& environment) {
        EnvironmentSlot slot = EnvironmentTable::slot_of(environment.id);
        address_space::visit(
            memory, environment.space,
            [&](uint64_t pfn) {
                ++result.mappings;
                if (!frames.contains(pfn)) {
                    if (!state.interrupts.owns_device_frame(pfn, slot)) {
                        problem("mapping of a frame outside RAM that is no device of its", pfn);
                    }
                    return;
                }
                ++scratch[pfn - frames.first_pfn()];
                const FrameEntry& frame = *frames.find(pfn);
                bool own = frame.state == abi::FrameState::Owned && frame.owner == slot;
                if (frame.flags & (frame_flag::kPageTable | frame_flag::kTableReserve)) {
                    problem("user mapping of a page-table frame", pfn);
                } else if (frame.flags & frame_flag::kSharedInfo) {
                    if (!own ||
                        (pfn != environment.shared_info_pfn && pfn != environment.trap_page_pfn)) {
                        problem("mapping of another's shared or trap page", pfn);
                    }
                } else if (!own) {
                    const Grant* grant = state.grants.find(pfn, slot);
                    if (grant == nullptr || frame.state != abi::FrameState::Owned ||
                        frame.owner != grant->owner) {
                        problem("mapping of a frame neither owned nor granted", pfn);
                    }
                }
            },
            [&](uint64_t pfn) {
                ++result.tables;
                const FrameEntry* frame = frames.find(pfn);
                if (frame == nullptr || frame->state != abi::FrameState::Owned ||
                    frame->owner != slot || !(frame->flags & frame_flag::kPageTable)) {
                    problem("page-table node not owned and flagged", pfn);
                }
            });
        for (uint32_t i = 0; i < environment.space.table_reserve_count; ++i) {
            const FrameEntry* frame = frames.find(environment.space.table_reserve[i]);
            if (frame == nullptr || frame->owner != slot ||
                !(frame->flags & frame_flag::kTableReserve)) {
                problem("table reserve frame not owned and flagged",
                        environment.space.table_reserve[i]);
            }
        }
    });

    uint64_t flagged_tables = 0;
    for (uint64_t i = 0; i < frames.frame_count(); ++i) {
        uint64_t pfn = frames.first_pfn() + i;
        const FrameEntry& frame = *frames.find(pfn);
        switch (frame.state) {
        case abi::FrameState::Free:
            ++result.free;
            if (frame.map_count || frame.pin_count || frame.flags)
                problem("free frame still bound", pfn);
            break;
        case abi::FrameState::Kernel: ++result.kernel; break;
        case abi::FrameState::Reserved:
        case abi::FrameState::Device: ++result.reserved; break;
        case abi::FrameState::Owned:
            ++result.owned;
            // Owned by nobody: an ended environment's frame with disk I/O in flight, freed
            // when the device completes it (disk/disk.h); it must still be pinned.
            if (frame.owner == kNoEnvironment ? frame.pin_count == 0
                                              : state.environments.at_slot(frame.owner) == nullptr)
                problem("frame owned by a dead environment", pfn);
            if (frame.flags & frame_flag::kPageTable) ++flagged_tables;
            if (frame.flags & frame_flag::kMark) problem("scratch mark left on a frame", pfn);
            break;
        }
        if (frame.map_count != scratch[i]) problem("map count differs from the page tables", pfn);
    }
    if (flagged_tables != result.tables)
        problem("page-table frames not all reachable", flagged_tables);
    if (result.free != frames.count(abi::FrameState::Free) ||
        result.owned != frames.count(abi::FrameState::Owned) ||
        result.free + result.kernel + result.reserved + result.owned != frames.frame_count()) {
        problem("state counts disagree", result.free);
    }
    state.grants.for_each([&](const Grant& grant) {
        const FrameEntry* frame = frames.find(grant.pfn);
        if (frame == nullptr || frame->state != abi::FrameState::Owned ||
            frame->owner != grant.owner || state.environments.at_slot(grant.grantee) == nullptr) {
            problem("grant of a frame its owner no longer holds", grant.pfn);
        }
    });
    return result;
}

}  // namespace exo
