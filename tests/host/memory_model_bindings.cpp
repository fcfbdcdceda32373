// ModelRun (memory_model.h): the binding operations (Map, Unmap, Protect, Grant, GrantRevoke,
// PteRead) and the TLB flushes they must leave, each against the kernel and the model.
#include "memory_model.h"

namespace memory_model {

void ModelRun::map(EnvironmentSlot slot) {
    uint64_t va = pick_va();
    uint64_t count = pick_count();
    uint64_t pfn = pick_frame(slot);
    uint64_t permissions = pick_permissions(false);
    operation_ = "Map va " + hex(va) + " pfn " + hex(pfn) + " count " + std::to_string(count) +
                 " perm " + hex(permissions) + " by slot " + std::to_string(slot);
    ModelEnvironment& environment = environments_[slot];
    Error expected = model_range_error(va, count);
    if (expected == Error::Ok && !model_valid_permissions(permissions))
        expected = Error::BadPermission;
    if (expected == Error::Ok && pfn + count < pfn) expected = Error::InvalidArgument;
    for (uint64_t i = 0; expected == Error::Ok && i < count; ++i) {
        expected = mappable_error(pfn + i, slot, permissions);
        if (expected == Error::Ok && mappings_.count({slot, va + i * kPage}))
            expected = Error::AlreadyMapped;
    }
    uint64_t tables = expected == Error::Ok ? tables_needed(environment, va, count) : 0;
    if (expected == Error::Ok && tables > environment.reserve) expected = Error::NoMemory;
    expect_error(expected, call(slot, abi::Syscall::Map, va, pfn, count, permissions).error());
    if (expected != Error::Ok) return;
    for (uint64_t i = 0; i < count; ++i)
        add_mapping(slot, va + i * kPage, pfn + i, permissions);
    add_tables(environment, va, count);
    environment.reserve -= static_cast<uint32_t>(tables);
}

void ModelRun::check_flushes(EnvironmentSlot slot, uint64_t va, uint64_t count) {
    uint16_t asid = kernel_environment(slot).space.asid;
    if (count > exo::kFlushPagesLimit) {
        expect(machine_.page_flushes.empty() &&
                   machine_.space_flushes == std::vector<uint16_t>{asid},
               "a large batch flushes the whole address space once");
        return;
    }
    bool exact = machine_.space_flushes.empty() && machine_.page_flushes.size() == count;
    for (uint64_t i = 0; exact && i < count; ++i) {
        exact = machine_.page_flushes[i] == std::make_pair(va + i * kPage, asid);
    }
    expect(exact, "exactly the changed pages are flushed");
}

void ModelRun::unmap(EnvironmentSlot slot) {
    uint64_t va = pick_va();
    uint64_t count = pick_count();
    operation_ = "Unmap va " + hex(va) + " count " + std::to_string(count) + " by slot " +
                 std::to_string(slot);
    Error expected = model_range_error(va, count);
    for (uint64_t i = 0; expected == Error::Ok && i < count; ++i) {
        if (!mappings_.count({slot, va + i * kPage})) expected = Error::NotMapped;
    }
    expect_error(expected, call(slot, abi::Syscall::Unmap, va, count).error());
    if (expected != Error::Ok) {
        expect(machine_.page_flushes.empty() && machine_.space_flushes.empty(),
               "a refused unmap flushed");
        return;
    }
    for (uint64_t i = 0; i < count; ++i)
        remove_mapping(mappings_.find({slot, va + i * kPage}));
    check_flushes(slot, va, count);
}

void ModelRun::protect(EnvironmentSlot slot) {
    uint64_t va = pick_va();
    uint64_t count = pick_count();
    uint64_t permissions = pick_permissions(true);
    operation_ = "Protect va " + hex(va) + " count " + std::to_string(count) + " perm " +
                 hex(permissions) + " by slot " + std::to_string(slot);
    Error expected = model_range_error(va, count);
    if (expected == Error::Ok && permissions != 0 && !model_valid_permissions(permissions)) {
        expected = Error::BadPermission;
    }
    for (uint64_t i = 0; expected == Error::Ok && i < count; ++i) {
        auto it = mappings_.find({slot, va + i * kPage});
        if (it == mappings_.end()) {
            expected = Error::NotMapped;
            break;
        }
        const ModelFrame* entry = frame(it->second.pfn);
        if (entry == nullptr) fail("a mapping of a frame nobody owns");
        if (entry->owner != slot) {
            auto grant = grants_.find({it->second.pfn, slot});
            if (grant == grants_.end() || (permissions & ~grant->second.permissions)) {
                expected = Error::BadPermission;
            }
        }
    }
    expect_error(expected, call(slot, abi::Syscall::Protect, va, count, permissions).error());
    if (expected != Error::Ok) {
        expect(machine_.page_flushes.empty() && machine_.space_flushes.empty(),
               "a refused protect flushed");
        return;
    }
    for (uint64_t i = 0; i < count; ++i)
        mappings_[{slot, va + i * kPage}].permissions = permissions;
    check_flushes(slot, va, count);
}

// Grant, through the kernel's handler: the model names the error from the ABI's order of checks.
void ModelRun::grant(EnvironmentSlot slot) {
    uint64_t pfn = pick_frame(slot);
    uint64_t permissions = pick_permissions(false);
    std::optional<EnvironmentSlot> grantee = any_environment();
    EnvironmentId grantee_id = environments_[*grantee].id;
    if (!dead_ids_.empty() && random_.percent(10)) grantee_id = random_.pick(dead_ids_);
    operation_ = "Grant " + hex(pfn) + " from slot " + std::to_string(slot) + " to id " +
                 hex(grantee_id) + " perm " + hex(permissions);
    bool live = std::any_of(environments_.begin(), environments_.end(),
                            [&](const auto& entry) { return entry.second.id == grantee_id; });
    EnvironmentSlot to = EnvironmentTable::slot_of(grantee_id);
    const ModelFrame* entry = frame(pfn);
    Error expected = !live                                           ? Error::NoSuchEnvironment
                     : to == slot                                    ? Error::InvalidArgument
                     : !model_valid_permissions(permissions)         ? Error::BadPermission
                     : entry == nullptr || entry->owner != slot      ? Error::NotOwner
                     : entry->bound                                  ? Error::FrameInUse
                     : entry->pins != 0                              ? Error::FrameInUse
                     : grants_.count({pfn, to})                      ? Error::AlreadyExists
                     : grants_.size() == exo::GrantTable::kCapacity ? Error::TooMany
                                                                     : Error::Ok;
    expect_error(expected, call(slot, abi::Syscall::Grant, pfn, grantee_id, permissions).error());
    if (expected == Error::Ok) grants_[{pfn, to}] = {slot, permissions};
}

// GrantRevoke, through the kernel's handler.
void ModelRun::revoke(EnvironmentSlot slot) {
    std::vector<std::pair<uint64_t, EnvironmentSlot>> mine;
    for (const auto& [key, grant] : grants_) {
        if (grant.owner == slot || random_.percent(10)) mine.push_back(key);
    }
    if (mine.empty()) {
        ++totals_.skipped;
        return;
    }
    auto [pfn, to] = random_.pick(mine);
    operation_ = "GrantRevoke " + hex(pfn) + " from slot " + std::to_string(to) + " by slot " +
                 std::to_string(slot);
    bool allowed = grants_.at({pfn, to}).owner == slot;
    exo::SyscallResult result =
        call(slot, abi::Syscall::GrantRevoke, pfn, environments_[to].id);
    expect_error(allowed ? Error::Ok : Error::NotOwner, result.error());
    uint64_t removed = result.value();
    if (!allowed) return;
    uint64_t model_removed = remove_mappings_of(to, pfn);
    grants_.erase({pfn, to});
    expect(removed == model_removed, [&] {
        return std::string("unmap_frame removed " + std::to_string(removed) + ", model " +
                           std::to_string(model_removed));
    });
    ++totals_.succeeded;
}

void ModelRun::read_entry(EnvironmentSlot slot) {
    uint64_t va = pick_va();
    operation_ = "PteRead va " + hex(va) + " by slot " + std::to_string(slot);
    exo::SyscallResult result = call(slot, abi::Syscall::PteRead, va);
    expect_error(Error::Ok, result.error());
    uint64_t raw = result.value();
    auto it = va < abi::kUserTop ? mappings_.find({slot, va & ~(kPage - 1)}) : mappings_.end();
    if (it == mappings_.end()) {
        expect(raw == 0, [&] { return std::string("an unmapped page reads as " + hex(raw)); });
    } else {
        check_entry(raw, it->second);
    }
}

} // namespace memory_model
