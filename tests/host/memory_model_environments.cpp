// ModelRun (memory_model.h): environments (create, destroy, hostile donations) and revocation
// (requests, deadlines, repossession), each against the kernel and the model.
#include <algorithm>

#include "memory_model.h"

namespace memory_model {

void ModelRun::repossess(EnvironmentSlot slot) {
    uint64_t count = random_.between(1, 6);
    operation_ = "repossess " + std::to_string(count) + " from slot " + std::to_string(slot);
    uint64_t total_before = environments_[slot].repossessed_total;
    std::vector<uint64_t> expected = model_repossess(slot, count);
    uint64_t taken = exo::repossess(machine_.state, kernel_environment(slot), count);
    expect(taken == expected.size(), [&] {
        return std::string("took " + std::to_string(taken) + ", model " +
                           std::to_string(expected.size()));
    });
    check_repossession(slot, total_before, expected);
}

void ModelRun::request_revocation(EnvironmentSlot slot) {
    uint64_t count = random_.between(1, 8);
    uint64_t deadline = now_ + random_.below(300);
    operation_ =
        "request_revocation " + std::to_string(count) + " from slot " + std::to_string(slot);
    exo::request_revocation(machine_.state, kernel_environment(slot), count, deadline);
    environments_[slot].remaining = count;
    environments_[slot].deadline = deadline;
    abi::SharedInfo& info = machine_.shared_info(kernel_environment(slot));
    expect(info.revocation.frames_requested == count && info.revocation.deadline == deadline &&
               (info.events & abi::event::kRevocationRequested),
           "the request in the shared page");
}

void ModelRun::enforce_deadlines() {
    now_ += random_.below(200);
    operation_ = "enforce_revocation_deadlines at " + std::to_string(now_);
    std::map<EnvironmentSlot, std::pair<uint64_t, std::vector<uint64_t>>> expected;
    for (auto& [slot, environment] : environments_) {
        if (environment.remaining == 0 || environment.deadline > now_) continue;
        uint64_t total_before = environment.repossessed_total;
        expected[slot] = {total_before, model_repossess(slot, environment.remaining)};
        environment.remaining = 0;
    }
    exo::enforce_revocation_deadlines(machine_.state, now_);
    for (const auto& [slot, result] : expected)
        check_repossession(slot, result.first, result.second);
}

void ModelRun::destroy(EnvironmentSlot slot) {
    if (environments_.size() <= 2 && random_.percent(70)) {
        ++totals_.skipped;
        return;
    }
    operation_ = "destroy slot " + std::to_string(slot);
    // A child whose parent lives is destroyed as the parent would: EnvDestroy through the real
    // dispatch, after a try by an environment that is not its parent (refused, nothing changes).
    // The rest (created at boot, or orphaned) end as a fault or Exit ends them, which the kernel
    // does without a syscall on their behalf; so does slot 0, whose end ends the machine's run.
    EnvironmentId parent_id = kernel_environment(slot).parent;
    std::optional<EnvironmentSlot> parent;
    for (const auto& [other, environment] : environments_) {
        if (slot != 0 && other != slot && parent_id != 0 && environment.id == parent_id) {
            parent = other;
        }
    }
    if (parent) {
        EnvironmentId target = environments_[slot].id;
        for (const auto& [other, environment] : environments_) {
            if (other == slot || other == *parent) continue;
            operation_ = "EnvDestroy of slot " + std::to_string(slot) + " by a stranger";
            expect_error(Error::NotPermitted,
                         call(other, abi::Syscall::EnvDestroy, target).error());
            break;
        }
        operation_ = "EnvDestroy of slot " + std::to_string(slot) + " by its parent";
        expect_error(Error::Ok, call(*parent, abi::Syscall::EnvDestroy, target).error());
        ++totals_.syscall_destroys;
    } else {
        exo::destroy_environment(machine_.state, kernel_environment(slot));
    }
    for (auto it = grants_.begin(); it != grants_.end();) {
        auto next = std::next(it);
        if (it->second.owner == slot) {
            remove_mappings_of(it->first.second, it->first.first);
            grants_.erase(it);
        } else if (it->first.second == slot) {
            grants_.erase(it);
        }
        it = next;
    }
    for (auto it = mappings_.begin(); it != mappings_.end();) {
        auto next = std::next(it);
        if (it->first.first == slot) remove_mapping(it);
        it = next;
    }
    // Its frames go back to the free list, except those pinned for DMA: owned by nobody, still
    // pinned, until the disk completes with them (disk/disk.h).
    for (auto it = owned_.begin(); it != owned_.end();) {
        if (it->second.owner != slot) {
            it = std::next(it);
        } else if (it->second.pins != 0) {
            it->second = ModelFrame{exo::kNoEnvironment, false, false, it->second.pins};
            it = std::next(it);
        } else {
            it = owned_.erase(it);
        }
    }
    dead_ids_.push_back(environments_[slot].id);
    environments_.erase(slot);
    free_slots_.insert(slot);
    ++totals_.destroys;
}

// EnvCreate from a live parent's frames (check_donated_frames, then create_environment), or
// a creation at boot from free frames.
void ModelRun::create() {
    if (environments_.size() >= kMaxLive) {
        ++totals_.skipped;
        return;
    }
    if (environments_.empty() || random_.percent(25)) {
        create_at_boot(random_.below(12));
        return;
    }
    EnvironmentSlot parent = *any_environment();
    std::vector<uint64_t> candidates;
    for (const auto& [pfn, entry] : owned_) {
        if (entry.owner == parent && !entry.bound && !entry.essential && entry.pins == 0 &&
            map_count(pfn) == 0 && (known_bugs_ || !granted_to_anyone(pfn))) {
            candidates.push_back(pfn);
        }
    }
    uint64_t wanted = random_.percent(10) ? needed_ - 1 : needed_ + random_.below(5);
    if (candidates.size() < wanted) {
        // Give the parent frames to give, so creations happen.
        for (uint64_t i = 0; i < wanted + 4 && free_frame_count() > 0; ++i)
            allocate_any(parent);
        ++totals_.skipped;
        return;
    }
    std::vector<uint64_t> list;
    for (uint64_t i = 0; i < wanted; ++i) {
        size_t at = static_cast<size_t>(random_.below(candidates.size()));
        list.push_back(candidates[at]);
        candidates.erase(candidates.begin() + static_cast<long>(at));
    }
    if (random_.percent(15)) list[random_.below(list.size())] = hostile_donation(parent, list);
    operation_ = "EnvCreate by slot " + std::to_string(parent) + " with " +
                 std::to_string(list.size()) + " frames";
    // The list goes where the real call reads it: a readable page of the parent's own RAM.
    std::optional<uint64_t> list_va = readable_own_page(parent);
    if (!list_va) {
        ++totals_.skipped;
        return;
    }
    auto* words = reinterpret_cast<uint64_t*>(
        machine_.state.physical->frame(mappings_.at({parent, *list_va}).pfn));
    std::copy(list.begin(), list.end(), words);
    // What the handler answers, in its order: too few frames, then the donation's check
    // (check_donated_frames), then create_environment's own refusal.
    Error expected = list.size() < needed_ ? Error::NoMemory : Error::Ok;
    std::set<uint64_t> seen;
    for (uint64_t pfn : list) {
        if (expected != Error::Ok) break;
        Error error = freeable_error(pfn, parent);
        if (error == Error::Ok && seen.count(pfn)) error = Error::InvalidArgument;
        if (error == Error::Ok && frame(pfn)->essential) error = Error::FrameInUse;
        if (error == Error::Ok && granted_to_anyone(pfn)) {
            error = Error::FrameInUse; // granted frames are refused (a fixed bug)
            tolerant_ = true;
        }
        expected = error;
        seen.insert(pfn);
    }
    if (expected == Error::Ok && list.size() - needed_ > abi::kInitialFrameSlots) {
        expected = Error::InvalidArgument;
    }
    exo::SyscallResult result =
        call(parent, abi::Syscall::EnvCreate, kModelImage, *list_va, list.size());
    expect_error(expected, result.error());
    tolerant_ = false;
    if (result.error() != Error::Ok) return;
    Environment* created = machine_.state.environments.find(result.value());
    if (created == nullptr) fail("EnvCreate's id names no environment");
    record_created(list, *created);
    ++totals_.syscall_creates;
}

std::optional<uint64_t> ModelRun::readable_own_page(EnvironmentSlot slot) const {
    for (const auto& [key, mapping] : mappings_) {
        const ModelFrame* owned = frame(mapping.pfn);
        if (key.first == slot && (mapping.permissions & abi::permission::kRead) && owned &&
            owned->owner == slot) {
            return key.second;
        }
    }
    return std::nullopt;
}

uint64_t ModelRun::hostile_donation(EnvironmentSlot parent, const std::vector<uint64_t>& list) {
    switch (random_.below(6)) {
    case 0:
        return list[random_.below(list.size())]; // a duplicate (unless it replaces itself)
    case 1: {
        for (const auto& [key, mapping] : mappings_) {
            if (key.first == parent && frame(mapping.pfn)->owner == parent) return mapping.pfn;
        }
        return list[0];
    }
    default:
        return pick_frame(parent);
    }
}

void ModelRun::create_at_boot(uint64_t extra) {
    operation_ = "create at boot with " + std::to_string(needed_ + extra) + " frames";
    std::vector<uint64_t> list;
    for (uint64_t pfn = machine_.first_usable();
         pfn < machine_.end_pfn() && list.size() < needed_ + extra; ++pfn) {
        if (is_free(pfn) && random_.percent(60)) list.push_back(pfn);
    }
    if (list.size() < needed_ + extra) {
        ++totals_.skipped;
        return;
    }
    finish_create(list, 0);
}

// What kmain does for the first environment: create_environment on free frames, no syscall.
void ModelRun::finish_create(const std::vector<uint64_t>& list, EnvironmentId parent_id) {
    Error expected = list.size() - needed_ > abi::kInitialFrameSlots ? Error::InvalidArgument
                                                                     : Error::Ok;
    Environment* created = nullptr;
    Error actual =
        exo::create_environment(machine_.state, parent_id, elf_, bytes_, list, "model", created);
    expect_error(expected, actual);
    if (actual != Error::Ok) return;
    record_created(list, *created);
}

// The model's side of a creation the kernel made: the new environment's frames, in the
// documented order.
void ModelRun::record_created(const std::vector<uint64_t>& list, Environment& created_record) {
    Environment* created = &created_record;
    EnvironmentSlot slot = EnvironmentTable::slot_of(created->id);
    expect(slot == *free_slots_.begin(), "the lowest free slot");
    free_slots_.erase(slot);
    ModelEnvironment& environment = environments_[slot];
    environment = ModelEnvironment{};
    environment.id = created->id;
    for (uint64_t pfn : list)
        owned_[pfn] = ModelFrame{slot};
    // Root, tables, shared page, image pages, stack pages, leftovers: the documented order.
    size_t next = 0;
    owned_[list[next++]].bound = true;
    std::vector<uint64_t> pages;
    for (uint32_t s = 0; s < elf_.segment_count; ++s) {
        const exo::ElfSegment& segment = elf_.segments[s];
        for (uint64_t page = segment.virtual_address & ~(kPage - 1);
             page < segment.virtual_address + segment.memory_size; page += kPage) {
            pages.push_back(page);
        }
    }
    std::vector<uint64_t> all = pages;
    for (uint64_t page = kStackBottom; page < abi::kInitialStackTop; page += kPage)
        all.push_back(page);
    all.push_back(abi::kSharedInfoAddress);
    all.push_back(abi::kTrapPageAddress);
    for (uint64_t page : all)
        add_tables(environment, page, 1);
    for (size_t i = 0; i < environment.gigabytes.size() + environment.megabytes.size(); ++i) {
        owned_[list[next++]].bound = true;
    }
    uint64_t shared = list[next++];
    owned_[shared].bound = true;
    add_mapping(slot, abi::kSharedInfoAddress, shared, permission::kRead);
    uint64_t trap = list[next++];
    owned_[trap].bound = true;
    add_mapping(slot, abi::kTrapPageAddress, trap, permission::kRead | permission::kWrite);
    for (uint32_t s = 0, at = 0; s < elf_.segment_count; ++s) {
        const exo::ElfSegment& segment = elf_.segments[s];
        uint64_t permissions = (segment.readable ? permission::kRead : 0) |
                               (segment.writable ? permission::kWrite : 0) |
                               (segment.executable ? permission::kExecute : 0);
        for (uint64_t page = segment.virtual_address & ~(kPage - 1);
             page < segment.virtual_address + segment.memory_size; page += kPage, ++at) {
            add_mapping(slot, pages[at], list[next++], permissions);
        }
    }
    for (uint64_t page = kStackBottom; page < abi::kInitialStackTop; page += kPage) {
        add_mapping(slot, page, list[next++], permission::kRead | permission::kWrite);
    }
    ++totals_.creates;
}

} // namespace memory_model
