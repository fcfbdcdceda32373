// A randomized model test of memory ownership: seeded sequences of frame, mapping, grant,
// revocation and environment operations run against the kernel's tables over a fake machine and
// against a plain model kept in std::map/std::set. After every operation the two must agree:
// the error code of every call, every frame's owner, state, flags, map and pin count, every
// mapping's PTE, every grant and every environment's reserve; every few operations the kernel's
// own audit must find nothing. The syscall layer is re-enacted here (FrameFree, Grant,
// GrantRevoke, FrameSetEssential do what kernel/syscalls_memory.cpp does) because it needs the
// real machine; the checked operations underneath are the kernel's.
#include <algorithm>
#include <abi/trap_page.h>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "revocation.h"

#include "fake_machine.h"

using abi::Error;
using exo::Environment;
using exo::EnvironmentId;
using exo::EnvironmentSlot;
using exo::EnvironmentTable;
using exo::MemorySystem;
using exo::test::FakeMachine;
using exo::test::kPage;
namespace address_space = exo::address_space;
namespace frame_flag = exo::frame_flag;
namespace permission = abi::permission;
namespace pte = sv39::pte;

namespace {

constexpr uint64_t kMegaPage = sv39::kMegaPageSize;
constexpr uint64_t kStackBottom = abi::kInitialStackTop - abi::kInitialStackPages * kPage;
constexpr size_t kMaxLive = 4;

// Deterministic xorshift64*: a seed replays the same sequence on every host.
class Random {
  public:
    explicit Random(uint64_t seed)
        : state_(seed * 0x9e37'79b9'7f4a'7c15ull + 0x2545'f491'4f6c'dd1dull) {}
    uint64_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * 0x2545'f491'4f6c'dd1dull;
    }
    uint64_t below(uint64_t bound) { return bound == 0 ? 0 : next() % bound; }
    uint64_t between(uint64_t low, uint64_t high) { return low + below(high - low + 1); }
    bool percent(unsigned chance) { return below(100) < chance; }
    template <typename Container>
    auto pick(const Container& container) {
        auto it = container.begin();
        std::advance(it, static_cast<long>(below(container.size())));
        return *it;
    }

  private:
    uint64_t state_;
};

struct ModelFrame {
    EnvironmentSlot owner = exo::kNoEnvironment;
    bool bound = false; // root, page table, table reserve or shared page: kernel-held
    bool essential = false;
    uint16_t pins = 0;
};

struct ModelMapping {
    uint64_t pfn = 0;
    uint64_t permissions = 0; // abi::permission bits; 0 = protected to no access
};

struct ModelGrant {
    EnvironmentSlot owner = exo::kNoEnvironment;
    uint64_t permissions = 0;
};

struct ModelEnvironment {
    EnvironmentId id = 0;
    uint32_t reserve = 0;
    std::set<uint64_t> gigabytes; // va >> 30 of each level-1 table present
    std::set<uint64_t> megabytes; // va >> 21 of each level-0 table present
    uint64_t remaining = 0;       // frames owed to a revocation request
    uint64_t deadline = 0;
    uint64_t repossessed_total = 0;
};

struct Totals {
    uint64_t seeds = 0;
    uint64_t operations = 0;
    uint64_t succeeded = 0;
    uint64_t refused = 0;
    uint64_t skipped = 0;
    uint64_t audits = 0;
    uint64_t comparisons = 0;
    uint64_t creates = 0;
    uint64_t destroys = 0;
    uint64_t repossessed = 0;
};

uint64_t pte_bits(uint64_t permissions) {
    return ((permissions & permission::kRead) ? pte::kRead : 0) |
           ((permissions & permission::kWrite) ? pte::kWrite : 0) |
           ((permissions & permission::kExecute) ? pte::kExecute : 0);
}

// The model's own statement of the rules, written from the ABI, not from the kernel's code.
bool model_valid_permissions(uint64_t permissions) {
    if (permissions == 0 || (permissions & ~permission::kAll) != 0) return false;
    return !((permissions & permission::kWrite) && !(permissions & permission::kRead));
}

Error model_range_error(uint64_t va, uint64_t count) {
    if (va % kPage != 0) return Error::Misaligned;
    if (count == 0 || count > abi::kMaxBatchPages) return Error::InvalidArgument;
    if (va < abi::kUserMinimum || va >= abi::kUserTop) return Error::OutOfRange;
    if (count > (abi::kUserTop - va) / kPage) return Error::OutOfRange;
    uint64_t end = va + count * kPage;
    if (va <= abi::kSharedInfoAddress && abi::kSharedInfoAddress < end) return Error::OutOfRange;
    return Error::Ok;
}

class ModelRun {
  public:
    ModelRun(uint64_t seed, bool known_bugs, Totals& totals)
        : seed_(seed), known_bugs_(known_bugs), random_(seed), totals_(totals) {
        elf_ = exo::test::parse_tiny(bytes_);
        needed_ = exo::frames_needed(elf_);
        if (needed_ != exo::test::kTinyFramesNeeded) fail("frames_needed of the tiny image");
        for (EnvironmentSlot slot = 0; slot < exo::kMaxEnvironments; ++slot)
            free_slots_.insert(slot);
    }

    void run(unsigned steps) {
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

  private:
    // ---------------- reporting ----------------

    void fail(const std::string& what) {
        std::string message = "seed " + std::to_string(seed_) + " step " + std::to_string(step_) +
                              " [" + operation_ + "]: " + what;
        FAIL(message.c_str());
    }
    // `what` is a message, or a callable that builds one: only a failure pays for the string.
    template <typename What>
    void expect(bool condition, What&& what) {
        ++totals_.comparisons;
        if (condition) return;
        if constexpr (std::is_invocable_v<What>) {
            fail(what());
        } else {
            fail(what);
        }
    }
    void expect_error(Error expected, Error actual) {
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
    static std::string hex(uint64_t value) {
        char buffer[24];
        std::snprintf(buffer, sizeof(buffer), "0x%llx", static_cast<unsigned long long>(value));
        return buffer;
    }

    // ---------------- model queries ----------------

    bool in_ram(uint64_t pfn) const {
        return pfn >= FakeMachine::kFirstPfn && pfn < machine_.end_pfn();
    }
    bool is_system(uint64_t pfn) const { return in_ram(pfn) && pfn < machine_.first_usable(); }
    bool is_free(uint64_t pfn) const {
        return in_ram(pfn) && !is_system(pfn) && owned_.count(pfn) == 0;
    }
    const ModelFrame* frame(uint64_t pfn) const {
        auto it = owned_.find(pfn);
        return it == owned_.end() ? nullptr : &it->second;
    }
    uint32_t map_count(uint64_t pfn) const {
        auto it = counts_.find(pfn);
        return it == counts_.end() ? 0 : it->second;
    }
    bool granted_to_anyone(uint64_t pfn) const {
        for (const auto& [key, grant] : grants_) {
            if (key.first == pfn) return true;
        }
        return false;
    }
    Environment& kernel_environment(EnvironmentSlot slot) {
        Environment* environment = machine_.state.environments.at_slot(slot);
        if (environment == nullptr) fail("a live model environment is not live in the kernel");
        return *environment;
    }
    uint64_t free_frame_count() const {
        return machine_.end_pfn() - machine_.first_usable() - owned_.size();
    }

    // FrameFree's and PageTableDonate's first check.
    Error freeable_error(uint64_t pfn, EnvironmentSlot slot) const {
        if (!in_ram(pfn)) return Error::OutOfRange;
        const ModelFrame* entry = frame(pfn);
        if (entry == nullptr || entry->owner != slot) return Error::NotOwner;
        if (map_count(pfn) != 0 || entry->pins != 0 || entry->bound) return Error::FrameInUse;
        return Error::Ok;
    }
    // A frame `slot` may map with `permissions`: its own and not kernel-held, or granted enough.
    Error mappable_error(uint64_t pfn, EnvironmentSlot slot, uint64_t permissions) const {
        const ModelFrame* entry = frame(pfn);
        if (entry != nullptr && entry->owner == slot)
            return entry->bound ? Error::FrameInUse : Error::Ok;
        auto grant = grants_.find({pfn, slot});
        if (grant == grants_.end()) return Error::NotOwner;
        if (permissions & ~grant->second.permissions) return Error::BadPermission;
        return Error::Ok;
    }
    uint64_t tables_needed(const ModelEnvironment& environment, uint64_t va, uint64_t count) const {
        uint64_t needed = 0;
        std::set<uint64_t> new_gigabytes;
        for (uint64_t chunk = va & ~(kMegaPage - 1); chunk < va + count * kPage;
             chunk += kMegaPage) {
            if (environment.gigabytes.count(chunk >> 30) == 0) {
                if (new_gigabytes.insert(chunk >> 30).second) ++needed;
                ++needed;
            } else if (environment.megabytes.count(chunk >> 21) == 0) {
                ++needed;
            }
        }
        return needed;
    }

    // ---------------- model updates ----------------

    void add_mapping(EnvironmentSlot slot, uint64_t va, uint64_t pfn, uint64_t permissions) {
        mappings_[{slot, va}] = {pfn, permissions};
        ++counts_[pfn];
    }
    void remove_mapping(std::map<std::pair<EnvironmentSlot, uint64_t>, ModelMapping>::iterator it) {
        if (--counts_[it->second.pfn] == 0) counts_.erase(it->second.pfn);
        mappings_.erase(it);
    }
    uint64_t remove_mappings_of(EnvironmentSlot slot, uint64_t pfn) {
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
    void add_tables(ModelEnvironment& environment, uint64_t va, uint64_t count) {
        for (uint64_t chunk = va & ~(kMegaPage - 1); chunk < va + count * kPage;
             chunk += kMegaPage) {
            environment.gigabytes.insert(chunk >> 30);
            environment.megabytes.insert(chunk >> 21);
        }
    }
    // Ends every grant of `pfn` by its owner, and the grantees' mappings with it.
    void end_grants_of(uint64_t pfn, EnvironmentSlot owner) {
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
    std::vector<uint64_t> model_repossess(EnvironmentSlot slot, uint64_t count) {
        std::vector<uint64_t> taken;
        for (int pass = 0; pass < 2 && taken.size() < count; ++pass) {
            for (const auto& [pfn, entry] : owned_) {
                if (taken.size() == count) break;
                if (entry.owner != slot || entry.pins != 0 || entry.bound || entry.essential)
                    continue;
                if (pass == 0 && map_count(pfn) != 0) continue;
                if (pass == 1 && std::find(taken.begin(), taken.end(), pfn) != taken.end())
                    continue;
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
    void check_repossession(EnvironmentSlot slot, uint64_t total_before,
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

    // ---------------- argument generators ----------------

    std::optional<EnvironmentSlot> any_environment() {
        if (environments_.empty()) return std::nullopt;
        return random_.pick(environments_).first;
    }
    std::vector<uint64_t> frames_where(bool (*keep)(const ModelFrame&, EnvironmentSlot),
                                       EnvironmentSlot slot) {
        std::vector<uint64_t> found;
        for (const auto& [pfn, entry] : owned_) {
            if (keep(entry, slot)) found.push_back(pfn);
        }
        return found;
    }
    // A frame for `slot` to act on: mostly its own plain frames, often someone else's, a granted
    // one, a kernel-held one, a free one, a system frame or one outside RAM.
    uint64_t pick_frame(EnvironmentSlot slot) {
        unsigned roll = static_cast<unsigned>(random_.below(100));
        std::vector<uint64_t> pool;
        if (roll < 45) {
            pool = frames_where(
                [](const ModelFrame& f, EnvironmentSlot s) { return f.owner == s && !f.bound; },
                slot);
        } else if (roll < 58) {
            for (const auto& [key, grant] : grants_) {
                if (key.second == slot) pool.push_back(key.first);
            }
        } else if (roll < 70) {
            pool = frames_where([](const ModelFrame& f, EnvironmentSlot s) { return f.owner != s; },
                                slot);
        } else if (roll < 78) {
            pool = frames_where(
                [](const ModelFrame& f, EnvironmentSlot s) { return f.owner == s && f.bound; },
                slot);
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
    uint64_t pick_va() {
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
    uint64_t pick_count() {
        unsigned roll = static_cast<unsigned>(random_.below(100));
        if (roll < 65) return 1;
        if (roll < 88) return random_.between(2, 8);
        if (roll < 97) return random_.between(30, 40); // around kFlushPagesLimit
        const uint64_t hostile[] = {0, abi::kMaxBatchPages + 1, ~uint64_t{0}, uint64_t{1} << 52};
        return hostile[random_.below(std::size(hostile))];
    }
    uint64_t pick_permissions(bool allow_none) {
        const uint64_t valid[] = {permission::kRead, permission::kRead | permission::kWrite,
                                  permission::kExecute, permission::kRead | permission::kExecute,
                                  permission::kAll};
        const uint64_t invalid[] = {permission::kWrite, permission::kWrite | permission::kExecute,
                                    8, permission::kRead | 0x10, ~uint64_t{0}};
        if (allow_none && random_.percent(15)) return 0;
        if (random_.percent(85)) return valid[random_.below(std::size(valid))];
        if (!allow_none && random_.percent(20)) return 0;
        return invalid[random_.below(std::size(invalid))];
    }

    // ---------------- operations ----------------

    void one_operation() {
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

    void allocate_named(EnvironmentSlot slot) {
        uint64_t pfn = random_.percent(65)
                           ? random_.between(machine_.first_usable(), machine_.end_pfn() - 1)
                           : pick_frame(slot);
        operation_ = "FrameAlloc " + hex(pfn) + " by slot " + std::to_string(slot);
        Error expected = !in_ram(pfn)   ? Error::OutOfRange
                         : is_free(pfn) ? Error::Ok
                                        : Error::FrameNotFree;
        expect_error(expected, machine_.state.frames.allocate(pfn, slot));
        if (expected == Error::Ok) owned_[pfn] = ModelFrame{slot};
    }

    void allocate_run(EnvironmentSlot slot) {
        uint64_t length = random_.between(2, 8);
        uint64_t start = random_.between(machine_.first_usable(), machine_.end_pfn() - length);
        operation_ =
            "FrameAlloc run of " + std::to_string(length) + " by slot " + std::to_string(slot);
        for (uint64_t first = start; first + length <= machine_.end_pfn(); ++first) {
            bool all_free = true;
            for (uint64_t i = 0; i < length && all_free; ++i)
                all_free = is_free(first + i);
            if (!all_free) continue;
            for (uint64_t i = 0; i < length; ++i) {
                expect_error(Error::Ok, machine_.state.frames.allocate(first + i, slot));
                owned_[first + i] = ModelFrame{slot};
            }
            return;
        }
        ++totals_.skipped;
    }

    void allocate_any(EnvironmentSlot slot) {
        operation_ = "FrameAlloc any by slot " + std::to_string(slot);
        uint64_t free_before = free_frame_count();
        std::optional<uint64_t> pfn = machine_.state.frames.allocate_any(slot);
        expect(pfn.has_value() == (free_before != 0), [&] {
            return std::string("allocate_any with " + std::to_string(free_before) + " free");
        });
        if (!pfn) return;
        expect(is_free(*pfn), [&] {
            return std::string("allocate_any handed out a frame that was not free: " + hex(*pfn));
        });
        owned_[*pfn] = ModelFrame{slot};
        ++totals_.succeeded;
    }

    // FrameFree, as kernel/syscalls_memory.cpp does it.
    void free_frame(EnvironmentSlot slot) {
        uint64_t pfn = pick_frame(slot);
        operation_ = "FrameFree " + hex(pfn) + " by slot " + std::to_string(slot);
        Error expected = freeable_error(pfn, slot);
        Error actual = machine_.state.frames.check_freeable(pfn, slot);
        expect_error(expected, actual);
        if (actual != Error::Ok) return;
        machine_.state.grants.remove_if([&](const exo::Grant& grant) { return grant.pfn == pfn; });
        machine_.state.frames.release(pfn);
        exo::note_frame_returned(machine_.state, kernel_environment(slot));
        for (auto it = grants_.begin(); it != grants_.end();) {
            it = it->first.first == pfn ? grants_.erase(it) : std::next(it);
        }
        owned_.erase(pfn);
        if (environments_[slot].remaining > 0) --environments_[slot].remaining;
    }

    void donate(EnvironmentSlot slot) {
        uint64_t pfn = pick_frame(slot);
        bool granted = granted_to_anyone(pfn);
        if (granted && !known_bugs_) {
            ++totals_.skipped; // the regression paths run in the test below
            return;
        }
        operation_ = "PageTableDonate " + hex(pfn) + " by slot " + std::to_string(slot);
        ModelEnvironment& environment = environments_[slot];
        Error expected = freeable_error(pfn, slot);
        if (expected == Error::Ok && frame(pfn)->essential) expected = Error::FrameInUse;
        if (expected == Error::Ok && granted) {
            expected = Error::FrameInUse; // what a fix would say: a granted frame is bound
            tolerant_ = true;
        }
        if (expected == Error::Ok && environment.reserve == exo::kTableReserveCapacity)
            expected = Error::TooMany;
        MemorySystem memory = machine_.memory();
        expect_error(expected, address_space::donate_table_frame(
                                   memory, kernel_environment(slot).space, pfn));
        if (expected != Error::Ok) return;
        owned_[pfn].bound = true;
        ++environment.reserve;
    }

    // FrameSetEssential: the owner's choice, checked by the syscall, read by repossession.
    void set_essential(EnvironmentSlot slot) {
        uint64_t pfn = pick_frame(slot);
        const ModelFrame* entry = frame(pfn);
        if (entry == nullptr || entry->owner != slot) {
            ++totals_.skipped;
            return;
        }
        operation_ = "FrameSetEssential " + hex(pfn);
        machine_.entry(pfn).flags ^= frame_flag::kEssential;
        owned_[pfn].essential = !entry->essential;
    }

    void pin(EnvironmentSlot slot) {
        uint64_t pfn = pick_frame(slot);
        operation_ = "pin " + hex(pfn);
        const ModelFrame* entry = frame(pfn);
        Error expected = entry == nullptr                            ? Error::NotOwner
                         : entry->pins == exo::FrameTable::kMaxCount ? Error::TooMany
                                                                     : Error::Ok;
        expect_error(expected, machine_.state.frames.pin(pfn));
        if (expected == Error::Ok) ++owned_[pfn].pins;
    }

    void unpin(EnvironmentSlot slot) {
        uint64_t pfn = pick_frame(slot);
        operation_ = "unpin " + hex(pfn);
        const ModelFrame* entry = frame(pfn);
        Error expected = entry == nullptr || entry->pins == 0 ? Error::InvalidArgument : Error::Ok;
        expect_error(expected, machine_.state.frames.unpin(pfn));
        if (expected == Error::Ok) --owned_[pfn].pins;
    }

    void map(EnvironmentSlot slot) {
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
        MemorySystem memory = machine_.memory();
        expect_error(expected, address_space::map(memory, kernel_environment(slot).space, va, pfn,
                                                  count, permissions));
        if (expected != Error::Ok) return;
        for (uint64_t i = 0; i < count; ++i)
            add_mapping(slot, va + i * kPage, pfn + i, permissions);
        add_tables(environment, va, count);
        environment.reserve -= static_cast<uint32_t>(tables);
    }

    void check_flushes(EnvironmentSlot slot, uint64_t va, uint64_t count) {
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

    void unmap(EnvironmentSlot slot) {
        uint64_t va = pick_va();
        uint64_t count = pick_count();
        operation_ = "Unmap va " + hex(va) + " count " + std::to_string(count) + " by slot " +
                     std::to_string(slot);
        Error expected = model_range_error(va, count);
        for (uint64_t i = 0; expected == Error::Ok && i < count; ++i) {
            if (!mappings_.count({slot, va + i * kPage})) expected = Error::NotMapped;
        }
        MemorySystem memory = machine_.memory();
        expect_error(expected,
                     address_space::unmap(memory, kernel_environment(slot).space, va, count));
        if (expected != Error::Ok) {
            expect(machine_.page_flushes.empty() && machine_.space_flushes.empty(),
                   "a refused unmap flushed");
            return;
        }
        for (uint64_t i = 0; i < count; ++i)
            remove_mapping(mappings_.find({slot, va + i * kPage}));
        check_flushes(slot, va, count);
    }

    void protect(EnvironmentSlot slot) {
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
        MemorySystem memory = machine_.memory();
        expect_error(expected, address_space::protect(memory, kernel_environment(slot).space, va,
                                                      count, permissions));
        if (expected != Error::Ok) {
            expect(machine_.page_flushes.empty() && machine_.space_flushes.empty(),
                   "a refused protect flushed");
            return;
        }
        for (uint64_t i = 0; i < count; ++i)
            mappings_[{slot, va + i * kPage}].permissions = permissions;
        check_flushes(slot, va, count);
    }

    // Grant, as kernel/syscalls_memory.cpp does it.
    void grant(EnvironmentSlot slot) {
        uint64_t pfn = pick_frame(slot);
        uint64_t permissions = pick_permissions(false);
        std::optional<EnvironmentSlot> grantee = any_environment();
        EnvironmentId grantee_id = environments_[*grantee].id;
        if (!dead_ids_.empty() && random_.percent(10)) grantee_id = random_.pick(dead_ids_);
        operation_ = "Grant " + hex(pfn) + " from slot " + std::to_string(slot) + " to id " +
                     hex(grantee_id) + " perm " + hex(permissions);
        Environment* target = machine_.state.environments.find(grantee_id);
        bool live = std::any_of(environments_.begin(), environments_.end(),
                                [&](const auto& entry) { return entry.second.id == grantee_id; });
        expect((target != nullptr) == live,
               [&] { return std::string("EnvironmentTable::find of id " + hex(grantee_id)); });
        if (target == nullptr || EnvironmentTable::slot_of(grantee_id) == slot) return;
        expect(address_space::valid_permissions(permissions) ==
                   model_valid_permissions(permissions),
               "valid_permissions");
        if (!model_valid_permissions(permissions)) return;
        EnvironmentSlot to = EnvironmentTable::slot_of(grantee_id);
        const ModelFrame* entry = frame(pfn);
        Error expected = entry == nullptr || entry->owner != slot ? Error::NotOwner
                         : entry->bound                           ? Error::FrameInUse
                                                                  : Error::Ok;
        Error actual = machine_.state.frames.check_mappable_by_owner(pfn, slot);
        expect_error(expected, actual);
        if (actual != Error::Ok) return;
        expected = grants_.count({pfn, to})                       ? Error::AlreadyExists
                   : grants_.size() == exo::GrantTable::kCapacity ? Error::TooMany
                                                                  : Error::Ok;
        expect_error(expected,
                     machine_.state.grants.add(pfn, slot, to, static_cast<uint8_t>(permissions)));
        if (expected == Error::Ok) grants_[{pfn, to}] = {slot, permissions};
    }

    // GrantRevoke, as kernel/syscalls_memory.cpp does it.
    void revoke(EnvironmentSlot slot) {
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
        Environment& grantee = kernel_environment(to);
        const exo::Grant* existing = machine_.state.grants.find(pfn, to);
        bool allowed = grants_.at({pfn, to}).owner == slot;
        expect(existing != nullptr && (existing->owner == slot) == allowed, "grant lookup");
        if (!allowed) return;
        MemorySystem memory = machine_.memory();
        uint64_t removed = address_space::unmap_frame(memory, grantee.space, pfn);
        expect(machine_.state.grants.remove(pfn, to), "GrantTable::remove of an existing grant");
        uint64_t model_removed = remove_mappings_of(to, pfn);
        grants_.erase({pfn, to});
        expect(removed == model_removed, [&] {
            return std::string("unmap_frame removed " + std::to_string(removed) + ", model " +
                               std::to_string(model_removed));
        });
        ++totals_.succeeded;
    }

    void repossess(EnvironmentSlot slot) {
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

    void request_revocation(EnvironmentSlot slot) {
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

    void enforce_deadlines() {
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

    void read_entry(EnvironmentSlot slot) {
        uint64_t va = pick_va();
        operation_ = "PteRead va " + hex(va) + " by slot " + std::to_string(slot);
        uint64_t raw = machine_.read_entry(kernel_environment(slot), va);
        auto it = va < abi::kUserTop ? mappings_.find({slot, va & ~(kPage - 1)}) : mappings_.end();
        if (it == mappings_.end()) {
            expect(raw == 0, [&] { return std::string("an unmapped page reads as " + hex(raw)); });
        } else {
            check_entry(raw, it->second);
        }
    }

    void destroy(EnvironmentSlot slot) {
        if (environments_.size() <= 2 && random_.percent(70)) {
            ++totals_.skipped;
            return;
        }
        operation_ = "destroy slot " + std::to_string(slot);
        exo::destroy_environment(machine_.state, kernel_environment(slot));
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
        for (auto it = owned_.begin(); it != owned_.end();) {
            it = it->second.owner == slot ? owned_.erase(it) : std::next(it);
        }
        dead_ids_.push_back(environments_[slot].id);
        environments_.erase(slot);
        free_slots_.insert(slot);
        ++totals_.destroys;
    }

    // EnvCreate from a live parent's frames (check_donated_frames, then create_environment), or
    // a creation at boot from free frames.
    void create() {
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
        Error expected = Error::Ok;
        std::set<uint64_t> seen;
        for (uint64_t pfn : list) {
            Error error = freeable_error(pfn, parent);
            if (error == Error::Ok && seen.count(pfn)) error = Error::InvalidArgument;
            if (error == Error::Ok && frame(pfn)->essential) error = Error::FrameInUse;
            if (error == Error::Ok && granted_to_anyone(pfn)) {
                error = Error::FrameInUse; // granted frames are refused (a fixed bug)
                tolerant_ = true;
            }
            if (error != Error::Ok) {
                expected = error;
                break;
            }
            seen.insert(pfn);
        }
        expect_error(expected, exo::check_donated_frames(machine_.state, parent, list));
        if (expected != Error::Ok) return;
        tolerant_ = false;
        finish_create(list, environments_[parent].id);
    }

    uint64_t hostile_donation(EnvironmentSlot parent, const std::vector<uint64_t>& list) {
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

    void create_at_boot(uint64_t extra) {
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

    void finish_create(const std::vector<uint64_t>& list, EnvironmentId parent_id) {
        Error expected = list.size() < needed_                             ? Error::NoMemory
                         : list.size() - needed_ > abi::kInitialFrameSlots ? Error::InvalidArgument
                                                                           : Error::Ok;
        Environment* created = nullptr;
        Error actual = exo::create_environment(machine_.state, parent_id, elf_, bytes_, list,
                                               "model", created);
        expect_error(expected, actual);
        if (actual != Error::Ok) return;
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

    // ---------------- comparison ----------------

    void check_entry(uint64_t raw, const ModelMapping& mapping) {
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

    void verify(bool deep) {
        operation_ += " (after)";
        exo::FrameTable& frames = machine_.state.frames;
        for (uint64_t pfn = FakeMachine::kFirstPfn; pfn < machine_.end_pfn(); ++pfn) {
            const exo::FrameEntry& entry = *frames.find(pfn);
            const ModelFrame* model = frame(pfn);
            auto where = [&] { return "frame " + hex(pfn); };
            if (is_system(pfn)) {
                expect(entry.state != abi::FrameState::Free &&
                           entry.state != abi::FrameState::Owned,
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
            expect(entry.pin_count == model->pins,
                   [&] { return std::string(where() + " pin count"); });
            expect(entry.map_count == map_count(pfn), [&] {
                return std::string(where() + " map count " + std::to_string(entry.map_count) +
                                   ", model " + std::to_string(map_count(pfn)));
            });
        }
        expect(frames.count(abi::FrameState::Owned) == owned_.size(), "owned count");
        expect(frames.count(abi::FrameState::Free) == free_frame_count(), "free count");
        expect(machine_.state.environments.live_count() == environments_.size(),
               "live environments");
        for (const auto& [slot, model] : environments_) {
            Environment& environment = kernel_environment(slot);
            expect(environment.id == model.id, "environment id");
            expect(environment.space.table_reserve_count == model.reserve, [&] {
                return std::string("slot " + std::to_string(slot) + " reserve " +
                                   std::to_string(environment.space.table_reserve_count) +
                                   ", model " + std::to_string(model.reserve));
            });
            expect(environment.revocation_remaining == model.remaining, "revocation remaining");
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
                memory, kernel_environment(slot).space, [&](uint64_t) { ++leaves; },
                [](uint64_t) {});
            uint64_t expected = 0;
            for (const auto& [key, mapping] : mappings_)
                expected += key.first == slot;
            expect(leaves == expected, [&] {
                return std::string("slot " + std::to_string(slot) + " has " +
                                   std::to_string(leaves) + " leaves, model " +
                                   std::to_string(expected));
            });
        }
    }

    uint64_t seed_;
    bool known_bugs_;
    bool tolerant_ = false;
    Random random_;
    Totals& totals_;
    FakeMachine machine_;
    std::vector<std::byte> bytes_ = exo::test::tiny_elf_bytes();
    exo::ElfImage elf_;
    uint64_t needed_ = 0;
    uint64_t now_ = 0;
    unsigned step_ = 0;
    std::string operation_;

    std::map<uint64_t, ModelFrame> owned_;
    std::map<uint64_t, uint32_t> counts_;
    std::map<std::pair<EnvironmentSlot, uint64_t>, ModelMapping> mappings_;
    std::map<std::pair<uint64_t, EnvironmentSlot>, ModelGrant> grants_; // (pfn, grantee)
    std::map<EnvironmentSlot, ModelEnvironment> environments_;
    std::set<EnvironmentSlot> free_slots_;
    std::vector<EnvironmentId> dead_ids_;
};

constexpr unsigned kSeeds = 20;
constexpr unsigned kSteps = 2000;

void report(const char* name, const Totals& totals) {
    std::printf(
        "\n%s: %llu seeds, %llu operations (%llu succeeded, %llu refused as the model predicted, "
        "%llu skipped), %llu creates, %llu destroys, %llu frames repossessed, %llu audits, "
        "%llu comparisons\n",
        name, static_cast<unsigned long long>(totals.seeds),
        static_cast<unsigned long long>(totals.operations),
        static_cast<unsigned long long>(totals.succeeded),
        static_cast<unsigned long long>(totals.refused),
        static_cast<unsigned long long>(totals.skipped),
        static_cast<unsigned long long>(totals.creates),
        static_cast<unsigned long long>(totals.destroys),
        static_cast<unsigned long long>(totals.repossessed),
        static_cast<unsigned long long>(totals.audits),
        static_cast<unsigned long long>(totals.comparisons));
}

} // namespace

TEST_GROUP(MemoryModel){};

TEST(MemoryModel, RandomSequencesAgreeWithTheModel) {
    Totals totals;
    for (unsigned seed = 1; seed <= kSeeds; ++seed) {
        ModelRun run(seed, false, totals);
        run.run(kSteps);
    }
    report("MemoryModel", totals);
    UNSIGNED_LONGLONGS_EQUAL(uint64_t{kSeeds} * kSteps, totals.operations);
    // The sequences must reach the interesting states, not just fail early.
    CHECK(totals.succeeded > totals.operations / 4);
    CHECK(totals.refused > totals.operations / 10);
    CHECK(totals.creates > kSeeds * 3);
    CHECK(totals.destroys > kSeeds);
    CHECK(totals.repossessed > kSeeds);
}

// Regression: the two paths that were bugs (a granted frame donated as a page-table frame, or donated to a
// child) are left out above. Here they are exercised, with the model expecting the donation to
// be refused; see AddressSpaceHostile and EnvironmentLifecycle for the minimal cases.
TEST(MemoryModel, RandomSequencesIncludingTheKnownBugPaths) {
    Totals totals;
    for (unsigned seed = 1; seed <= kSeeds; ++seed) {
        ModelRun run(seed, true, totals);
        run.run(kSteps);
    }
    report("MemoryModel with the regression paths", totals);
}
