// ModelRun (memory_model.h): a run, reporting, what the model says, its updates, the choice of
// arguments and the operation mix.
#include "memory_model.h"

namespace memory_model {

void ModelRun::run(unsigned steps) {
    ++totals_.seeds;
    for (int i = 0; i < 3; ++i) {
        step_ = 0;
        create_at_boot(random_.between(8, 30));
    }
    verify(true);
    for (step_ = 1; step_ <= steps; ++step_) {
        one_operation();
        ++totals_.operations;
        verify(step_ % 10 == 0);
    }
}

exo::SyscallResult ModelRun::call(EnvironmentSlot slot, abi::Syscall number, uint64_t a0,
                                  uint64_t a1, uint64_t a2, uint64_t a3) {
    Environment& caller = kernel_environment(slot);
    riscv::TrapFrame frame{};
    frame.x[riscv::reg::a7] = static_cast<uint64_t>(number);
    frame.x[riscv::reg::a0] = a0;
    frame.x[riscv::reg::a1] = a1;
    frame.x[riscv::reg::a2] = a2;
    frame.x[riscv::reg::a3] = a3;
    exo::SyscallContext context{machine_.state, caller, clock_, console_};
    return exo::dispatch(context, frame);
}

void ModelRun::fail(const std::string& what) {
    std::string message = "seed " + std::to_string(seed_) + " step " + std::to_string(step_) +
                          " [" + operation_ + "]: " + what;
    FAIL(message.c_str());
}

void ModelRun::expect_error(Error expected, Error actual) {
    ++totals_.comparisons;
    if (known_bugs_ && tolerant_) {
        // Only the verdict matters where a fix could choose among several codes.
        if ((expected == Error::Ok) != (actual == Error::Ok)) {
            fail(std::string("expected ") + abi::to_string(expected) + ", kernel said " +
                 abi::to_string(actual));
        }
        return;
    }
    if (expected != actual) {
        fail(std::string("expected ") + abi::to_string(expected) + ", kernel said " +
             abi::to_string(actual));
    }
    ++(actual == Error::Ok ? totals_.succeeded : totals_.refused);
}

std::string ModelRun::hex(uint64_t value) {
    char buffer[24];
    std::snprintf(buffer, sizeof(buffer), "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

bool ModelRun::in_ram(uint64_t pfn) const {
    return pfn >= FakeMachine::kFirstPfn && pfn < machine_.end_pfn();
}

bool ModelRun::is_free(uint64_t pfn) const {
    return in_ram(pfn) && !is_system(pfn) && owned_.count(pfn) == 0;
}

const ModelFrame* ModelRun::frame(uint64_t pfn) const {
    auto it = owned_.find(pfn);
    return it == owned_.end() ? nullptr : &it->second;
}

uint32_t ModelRun::map_count(uint64_t pfn) const {
    auto it = counts_.find(pfn);
    return it == counts_.end() ? 0 : it->second;
}

bool ModelRun::granted_to_anyone(uint64_t pfn) const {
    for (const auto& [key, grant] : grants_) {
        if (key.first == pfn) return true;
    }
    return false;
}

Environment& ModelRun::kernel_environment(EnvironmentSlot slot) {
    Environment* environment = machine_.state.environments.at_slot(slot);
    if (environment == nullptr) fail("a live model environment is not live in the kernel");
    return *environment;
}

uint64_t ModelRun::free_frame_count() const {
    return machine_.end_pfn() - machine_.first_usable() - owned_.size();
}

// FrameFree's and PageTableDonate's first check.
Error ModelRun::freeable_error(uint64_t pfn, EnvironmentSlot slot) const {
    if (!in_ram(pfn)) return Error::OutOfRange;
    const ModelFrame* entry = frame(pfn);
    if (entry == nullptr || entry->owner != slot) return Error::NotOwner;
    if (map_count(pfn) != 0 || entry->pins != 0 || entry->bound) return Error::FrameInUse;
    return Error::Ok;
}

// A frame `slot` may map with `permissions`: its own and not kernel-held, or granted enough.
Error ModelRun::mappable_error(uint64_t pfn, EnvironmentSlot slot, uint64_t permissions) const {
    const ModelFrame* entry = frame(pfn);
    if (entry != nullptr && entry->owner == slot)
        return entry->bound ? Error::FrameInUse : Error::Ok;
    auto grant = grants_.find({pfn, slot});
    if (grant == grants_.end()) return Error::NotOwner;
    if (permissions & ~grant->second.permissions) return Error::BadPermission;
    return Error::Ok;
}

uint64_t ModelRun::tables_needed(const ModelEnvironment& environment, uint64_t va,
                                 uint64_t count) const {
    uint64_t needed = 0;
    std::set<uint64_t> new_gigabytes;
    for (uint64_t chunk = va & ~(kMegaPage - 1); chunk < va + count * kPage; chunk += kMegaPage) {
        if (environment.gigabytes.count(chunk >> 30) == 0) {
            if (new_gigabytes.insert(chunk >> 30).second) ++needed;
            ++needed;
        } else if (environment.megabytes.count(chunk >> 21) == 0) {
            ++needed;
        }
    }
    return needed;
}

void ModelRun::add_mapping(EnvironmentSlot slot, uint64_t va, uint64_t pfn, uint64_t permissions) {
    mappings_[{slot, va}] = {pfn, permissions};
    ++counts_[pfn];
}

void ModelRun::remove_mapping(
    std::map<std::pair<EnvironmentSlot, uint64_t>, ModelMapping>::iterator it) {
    if (--counts_[it->second.pfn] == 0) counts_.erase(it->second.pfn);
    mappings_.erase(it);
}

uint64_t ModelRun::remove_mappings_of(EnvironmentSlot slot, uint64_t pfn) {
    uint64_t removed = 0;
    for (auto it = mappings_.begin(); it != mappings_.end();) {
        auto next = std::next(it);
        if (it->first.first == slot && it->second.pfn == pfn) {
            remove_mapping(it);
            ++removed;
        }
        it = next;
    }
    return removed;
}

void ModelRun::add_tables(ModelEnvironment& environment, uint64_t va, uint64_t count) {
    for (uint64_t chunk = va & ~(kMegaPage - 1); chunk < va + count * kPage; chunk += kMegaPage) {
        environment.gigabytes.insert(chunk >> 30);
        environment.megabytes.insert(chunk >> 21);
    }
}

// Ends every grant of `pfn` by its owner, and the grantees' mappings with it.
void ModelRun::end_grants_of(uint64_t pfn, EnvironmentSlot owner) {
    for (auto it = grants_.begin(); it != grants_.end();) {
        auto next = std::next(it);
        if (it->first.first == pfn && it->second.owner == owner) {
            remove_mappings_of(it->first.second, pfn);
            grants_.erase(it);
        }
        it = next;
    }
}

// What repossess must take: unmapped takeable frames in frame order, then mapped ones.
std::vector<uint64_t> ModelRun::model_repossess(EnvironmentSlot slot, uint64_t count) {
    std::vector<uint64_t> taken;
    for (int pass = 0; pass < 2 && taken.size() < count; ++pass) {
        for (const auto& [pfn, entry] : owned_) {
            if (taken.size() == count) break;
            if (entry.owner != slot || entry.pins != 0 || entry.bound || entry.essential) continue;
            if (pass == 0 && map_count(pfn) != 0) continue;
            if (pass == 1 && std::find(taken.begin(), taken.end(), pfn) != taken.end()) continue;
            taken.push_back(pfn);
        }
    }
    for (uint64_t pfn : taken) {
        end_grants_of(pfn, slot);
        remove_mappings_of(slot, pfn);
        owned_.erase(pfn);
    }
    environments_[slot].repossessed_total += taken.size();
    return taken;
}

void ModelRun::check_repossession(EnvironmentSlot slot, uint64_t total_before,
                                  const std::vector<uint64_t>& taken) {
    abi::SharedInfo& info = machine_.shared_info(kernel_environment(slot));
    expect(info.repossessed_total == total_before + taken.size(), [&] {
        return std::string("repossessed_total " + std::to_string(info.repossessed_total) +
                           ", model " + std::to_string(total_before + taken.size()));
    });
    for (size_t i = 0; i < taken.size(); ++i) {
        uint64_t at = (total_before + i) % abi::kRepossessionSlots;
        expect(info.repossessed[at] == taken[i], [&] {
            return std::string("repossession vector entry " + std::to_string(at) + " is " +
                               hex(info.repossessed[at]) + ", model " + hex(taken[i]));
        });
    }
    if (!taken.empty())
        expect(info.events & abi::event::kFramesRepossessed, "repossession event bit");
    totals_.repossessed += taken.size();
}

std::optional<EnvironmentSlot> ModelRun::any_environment() {
    if (environments_.empty()) return std::nullopt;
    return random_.pick(environments_).first;
}

std::vector<uint64_t> ModelRun::frames_where(bool (*keep)(const ModelFrame&, EnvironmentSlot),
                                             EnvironmentSlot slot) {
    std::vector<uint64_t> found;
    for (const auto& [pfn, entry] : owned_) {
        if (keep(entry, slot)) found.push_back(pfn);
    }
    return found;
}

// A frame for `slot` to act on: mostly its own plain frames, often someone else's, a granted
// one, a kernel-held one, a free one, a system frame or one outside RAM.
uint64_t ModelRun::pick_frame(EnvironmentSlot slot) {
    unsigned roll = static_cast<unsigned>(random_.below(100));
    std::vector<uint64_t> pool;
    if (roll < 45) {
        pool = frames_where(
            [](const ModelFrame& f, EnvironmentSlot s) { return f.owner == s && !f.bound; }, slot);
    } else if (roll < 58) {
        for (const auto& [key, grant] : grants_) {
            if (key.second == slot) pool.push_back(key.first);
        }
    } else if (roll < 70) {
        pool =
            frames_where([](const ModelFrame& f, EnvironmentSlot s) { return f.owner != s; }, slot);
    } else if (roll < 78) {
        pool = frames_where(
            [](const ModelFrame& f, EnvironmentSlot s) { return f.owner == s && f.bound; }, slot);
    } else if (roll < 88) {
        for (uint64_t tries = 0; tries < 8 && pool.empty(); ++tries) {
            uint64_t pfn = random_.between(machine_.first_usable(), machine_.end_pfn() - 1);
            if (is_free(pfn)) pool.push_back(pfn);
        }
    } else if (roll < 94) {
        return random_.between(FakeMachine::kFirstPfn, machine_.first_usable() - 1);
    } else {
        const uint64_t outside[] = {0,
                                    FakeMachine::kFirstPfn - 1,
                                    machine_.end_pfn(),
                                    machine_.end_pfn() + random_.below(64),
                                    uint64_t{1} << 44,
                                    ~uint64_t{0} - 1};
        return outside[random_.below(std::size(outside))];
    }
    if (pool.empty()) return random_.between(machine_.first_usable(), machine_.end_pfn() - 1);
    return random_.pick(pool);
}

// Addresses where things collide: the image, a 2 MiB boundary in the first gigabyte, the
// second gigabyte, and the top of the user half (shared page, stack); sometimes hostile ones.
uint64_t ModelRun::pick_va() {
    unsigned roll = static_cast<unsigned>(random_.below(100));
    if (roll < 25) return exo::test::kTextAddress + random_.below(48) * kPage;
    if (roll < 45) return 0x3fe0'0000 - 16 * kPage + random_.below(32) * kPage;
    if (roll < 75) return 0x4000'0000 + random_.below(48) * kPage;
    if (roll < 92) return abi::kSharedInfoAddress - 4 * kPage + random_.below(36) * kPage;
    const uint64_t hostile[] = {0,
                                abi::kUserMinimum - kPage,
                                abi::kUserTop - kPage,
                                abi::kUserTop,
                                0xffff'ffc0'0000'0000,
                                0xffff'ffff'ffff'f000,
                                0x4000'0000 + 1 + random_.below(0xfff),
                                exo::test::kTextAddress + 0x800};
    return hostile[random_.below(std::size(hostile))];
}

uint64_t ModelRun::pick_count() {
    unsigned roll = static_cast<unsigned>(random_.below(100));
    if (roll < 65) return 1;
    if (roll < 88) return random_.between(2, 8);
    if (roll < 97) return random_.between(30, 40); // around kFlushPagesLimit
    const uint64_t hostile[] = {0, abi::kMaxBatchPages + 1, ~uint64_t{0}, uint64_t{1} << 52};
    return hostile[random_.below(std::size(hostile))];
}

uint64_t ModelRun::pick_permissions(bool allow_none) {
    const uint64_t valid[] = {permission::kRead, permission::kRead | permission::kWrite,
                              permission::kExecute, permission::kRead | permission::kExecute,
                              permission::kAll};
    const uint64_t invalid[] = {permission::kWrite, permission::kWrite | permission::kExecute, 8,
                                permission::kRead | 0x10, ~uint64_t{0}};
    if (allow_none && random_.percent(15)) return 0;
    if (random_.percent(85)) return valid[random_.below(std::size(valid))];
    if (!allow_none && random_.percent(20)) return 0;
    return invalid[random_.below(std::size(invalid))];
}

void ModelRun::one_operation() {
    tolerant_ = false;
    operation_ = "(skipped)";
    if (environments_.size() < 2) {
        create();
        return;
    }
    EnvironmentSlot slot = *any_environment();
    machine_.clear_flushes();
    unsigned roll = static_cast<unsigned>(random_.below(1000));
    if (roll < 60) return allocate_named(slot);
    if (roll < 100) return allocate_run(slot);
    if (roll < 150) return allocate_any(slot);
    if (roll < 230) return free_frame(slot);
    if (roll < 290) return donate(slot);
    if (roll < 310) return set_essential(slot);
    if (roll < 340) return pin(slot);
    if (roll < 370) return unpin(slot);
    if (roll < 590) return map(slot);
    if (roll < 680) return unmap(slot);
    if (roll < 780) return protect(slot);
    if (roll < 840) return grant(slot);
    if (roll < 885) return revoke(slot);
    if (roll < 900) return repossess(slot);
    if (roll < 915) return request_revocation(slot);
    if (roll < 940) return enforce_deadlines();
    if (roll < 960) return read_entry(slot);
    if (roll < 975) return destroy(slot);
    return create();
}

} // namespace memory_model
