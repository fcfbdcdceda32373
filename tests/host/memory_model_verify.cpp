// ModelRun (memory_model.h): the comparison of every frame, mapping, grant and environment
// against the model, and the kernel's own audit.
#include "memory_model.h"

namespace memory_model {

void ModelRun::check_entry(uint64_t raw, const ModelMapping& mapping) {
    sv39::Entry entry{raw};
    expect(entry.pfn() == mapping.pfn, [&] {
        return std::string("PTE frame " + hex(entry.pfn()) + ", model " + hex(mapping.pfn));
    });
    if (mapping.permissions == 0) {
        expect(!(raw & pte::kValid) && (raw & exo::kPteNoAccess),
               [&] { return std::string("a no-access PTE: " + hex(raw)); });
    } else {
        expect((raw & pte::kValid) && (raw & pte::kUser) &&
                   (raw & pte::kPermissionMask) == pte_bits(mapping.permissions),
               [&] {
                   return std::string("PTE " + hex(raw) + " for permissions " +
                                      hex(mapping.permissions));
               });
    }
}

void ModelRun::verify(bool deep) {
    operation_ += " (after)";
    exo::FrameTable& frames = machine_.state.frames;
    for (uint64_t pfn = FakeMachine::kFirstPfn; pfn < machine_.end_pfn(); ++pfn) {
        const exo::FrameEntry& entry = *frames.find(pfn);
        const ModelFrame* model = frame(pfn);
        auto where = [&] { return "frame " + hex(pfn); };
        if (is_system(pfn)) {
            expect(entry.state != abi::FrameState::Free && entry.state != abi::FrameState::Owned,
                   [&] { return std::string(where() + " left its system state"); });
            continue;
        }
        if (model == nullptr) {
            expect(entry.state == abi::FrameState::Free && entry.flags == 0 &&
                       entry.map_count == 0 && entry.pin_count == 0,
                   [&] { return std::string(where() + " should be free and clean"); });
            continue;
        }
        expect(entry.state == abi::FrameState::Owned && entry.owner == model->owner, [&] {
            return std::string(where() + " owner " + std::to_string(entry.owner) + ", model " +
                               std::to_string(model->owner));
        });
        expect(((entry.flags & frame_flag::kKernelBound) != 0) == model->bound,
               [&] { return std::string(where() + " kernel-held flag"); });
        expect(((entry.flags & frame_flag::kEssential) != 0) == model->essential,
               [&] { return std::string(where() + " essential flag"); });
        expect(!(entry.flags & frame_flag::kMark),
               [&] { return std::string(where() + " still marked"); });
        expect(entry.pin_count == model->pins, [&] { return std::string(where() + " pin count"); });
        expect(entry.map_count == map_count(pfn), [&] {
            return std::string(where() + " map count " + std::to_string(entry.map_count) +
                               ", model " + std::to_string(map_count(pfn)));
        });
    }
    expect(frames.count(abi::FrameState::Owned) == owned_.size(), "owned count");
    expect(frames.count(abi::FrameState::Free) == free_frame_count(), "free count");
    expect(machine_.state.environments.live_count() == environments_.size(), "live environments");
    for (const auto& [slot, model] : environments_) {
        Environment& environment = kernel_environment(slot);
        expect(environment.id == model.id, "environment id");
        expect(environment.space.table_reserve_count == model.reserve, [&] {
            return std::string("slot " + std::to_string(slot) + " reserve " +
                               std::to_string(environment.space.table_reserve_count) + ", model " +
                               std::to_string(model.reserve));
        });
        expect(environment.revocation_remaining == model.remaining, "revocation remaining");
        expect(environment.essential_frames == model.essential, "essential frame count");
    }
    for (EnvironmentId id : dead_ids_)
        expect(machine_.state.environments.find(id) == nullptr, "a dead id lives");
    for (const auto& [key, mapping] : mappings_) {
        check_entry(machine_.read_entry(kernel_environment(key.first), key.second), mapping);
    }
    expect(machine_.state.grants.count() == grants_.size(), "grant count");
    for (const auto& [key, grant] : grants_) {
        const exo::Grant* found = machine_.state.grants.find(key.first, key.second);
        expect(found != nullptr && found->owner == grant.owner &&
                   found->permissions == grant.permissions,
               [&] { return std::string("grant of " + hex(key.first)); });
    }
    expect(machine_.bad_frame_accesses == 0, "the kernel reached outside RAM");
    if (!deep) return;
    ++totals_.audits;
    std::string problems = machine_.audit_problems();
    expect(problems.empty(), [&] { return std::string("audit: " + problems); });
    MemorySystem memory = machine_.memory();
    for (const auto& [slot, model] : environments_) {
        uint64_t leaves = 0;
        address_space::visit(
            memory, kernel_environment(slot).space, [&](uint64_t) { ++leaves; }, [](uint64_t) {});
        uint64_t expected = 0;
        for (const auto& [key, mapping] : mappings_)
            expected += key.first == slot;
        expect(leaves == expected, [&] {
            return std::string("slot " + std::to_string(slot) + " has " + std::to_string(leaves) +
                               " leaves, model " + std::to_string(expected));
        });
    }
}

} // namespace memory_model
