// The memory model test's shared part: the model (plain maps and sets, written from the ABI),
// the random source that replays a seed, and ModelRun, which runs one seeded sequence against
// the kernel over a fake machine and the model side by side: the frame, binding and grant calls
// through the kernel's own dispatch and handlers (call()); pins, repossession, deadlines, creation
// at boot and destruction through the kernel functions that do them (not system calls), and a
// parent's EnvCreate still as check_donated_frames then create_environment (not yet through its
// handler, which reads the frame list from the parent's memory). Its members are defined by job:
// memory_model.cpp (queries, updates, argument choice, the operation mix),
// memory_model_frames.cpp, memory_model_bindings.cpp, memory_model_environments.cpp (the
// operations) and memory_model_verify.cpp (the comparison). memory_model_test.cpp has the tests.
#pragma once

#include <abi/trap_page.h>
#include <algorithm>
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

#include "fake_hardware.h"
#include "memory/revocation.h"
#include "syscalls/syscall_table.h"

// Last: it brings CppUTest, whose `new` macro the standard headers must not see.
#include "kernel_test_names.h"

namespace memory_model {


constexpr uint64_t kMegaPage = sv39::kMegaPageSize;
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
    uint32_t essential = 0; // frames it marked essential
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
    uint64_t syscall_creates = 0;  // of them, by EnvCreate
    uint64_t destroys = 0;
    uint64_t syscall_destroys = 0;  // of them, by the parent's EnvDestroy
    uint64_t repossessed = 0;
};

inline uint64_t pte_bits(uint64_t permissions) {
    return ((permissions & permission::kRead) ? pte::kRead : 0) |
           ((permissions & permission::kWrite) ? pte::kWrite : 0) |
           ((permissions & permission::kExecute) ? pte::kExecute : 0);
}

// The model's own statement of the rules, written from the ABI, not from the kernel's code.
inline bool model_valid_permissions(uint64_t permissions) {
    if (permissions == 0 || (permissions & ~permission::kAll) != 0) return false;
    return !((permissions & permission::kWrite) && !(permissions & permission::kRead));
}

inline Error model_range_error(uint64_t va, uint64_t count) {
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
        // The scheduler and the pressure path behind the handlers reach the running kernel.
        exo::fake::reset();
        exo::fake::use_state(machine_.state);
        machine_.state.timebase_hz = 10'000'000;
        // EnvCreate's image table: the tiny image, as index kModelImage.
        image_ = {"model", bytes_.data(), bytes_.size()};
        machine_.state.images = {&image_, 1};
    }

    ~ModelRun() { exo::fake::reset(); }
    ModelRun(const ModelRun&) = delete;
    ModelRun& operator=(const ModelRun&) = delete;

    void run(unsigned steps);

  private:
    // ---------------- reporting ----------------

    void fail(const std::string& what);
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
    void expect_error(Error expected, Error actual);
    static std::string hex(uint64_t value);

    // `slot`'s environment makes a system call, through the kernel's dispatch.
    exo::SyscallResult call(EnvironmentSlot slot, abi::Syscall number, uint64_t a0 = 0,
                            uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0);

    // ---------------- model queries ----------------

    bool in_ram(uint64_t pfn) const;
    bool is_system(uint64_t pfn) const { return in_ram(pfn) && pfn < machine_.first_usable(); }
    bool is_free(uint64_t pfn) const;
    const ModelFrame* frame(uint64_t pfn) const;
    uint32_t map_count(uint64_t pfn) const;
    bool granted_to_anyone(uint64_t pfn) const;
    Environment& kernel_environment(EnvironmentSlot slot);
    uint64_t free_frame_count() const;

    Error freeable_error(uint64_t pfn, EnvironmentSlot slot) const;
    Error mappable_error(uint64_t pfn, EnvironmentSlot slot, uint64_t permissions) const;
    uint64_t tables_needed(const ModelEnvironment& environment, uint64_t va, uint64_t count) const;

    // ---------------- model updates ----------------

    void add_mapping(EnvironmentSlot slot, uint64_t va, uint64_t pfn, uint64_t permissions);
    void remove_mapping(std::map<std::pair<EnvironmentSlot, uint64_t>, ModelMapping>::iterator it);
    uint64_t remove_mappings_of(EnvironmentSlot slot, uint64_t pfn);
    void add_tables(ModelEnvironment& environment, uint64_t va, uint64_t count);
    void end_grants_of(uint64_t pfn, EnvironmentSlot owner);
    std::vector<uint64_t> model_repossess(EnvironmentSlot slot, uint64_t count);
    void check_repossession(EnvironmentSlot slot, uint64_t total_before,
                            const std::vector<uint64_t>& taken);

    // ---------------- argument generators ----------------

    std::optional<EnvironmentSlot> any_environment();
    std::vector<uint64_t> frames_where(bool (*keep)(const ModelFrame&, EnvironmentSlot),
                                       EnvironmentSlot slot);
    uint64_t pick_frame(EnvironmentSlot slot);
    uint64_t pick_va();
    uint64_t pick_count();
    uint64_t pick_permissions(bool allow_none);

    // ---------------- operations ----------------

    void one_operation();

    void allocate_named(EnvironmentSlot slot);

    void allocate_run(EnvironmentSlot slot);

    void allocate_any(EnvironmentSlot slot);

    void free_frame(EnvironmentSlot slot);

    void donate(EnvironmentSlot slot);

    void set_essential(EnvironmentSlot slot);

    void pin(EnvironmentSlot slot);

    void unpin(EnvironmentSlot slot);

    void map(EnvironmentSlot slot);

    void check_flushes(EnvironmentSlot slot, uint64_t va, uint64_t count);

    void unmap(EnvironmentSlot slot);

    void protect(EnvironmentSlot slot);

    void grant(EnvironmentSlot slot);

    void revoke(EnvironmentSlot slot);

    void repossess(EnvironmentSlot slot);

    void request_revocation(EnvironmentSlot slot);

    void enforce_deadlines();

    void read_entry(EnvironmentSlot slot);

    void destroy(EnvironmentSlot slot);

    void create();

    uint64_t hostile_donation(EnvironmentSlot parent, const std::vector<uint64_t>& list);

    void create_at_boot(uint64_t extra);

    void finish_create(const std::vector<uint64_t>& list, EnvironmentId parent_id);
    void record_created(const std::vector<uint64_t>& list, Environment& created);
    std::optional<uint64_t> readable_own_page(EnvironmentSlot slot) const;

    // ---------------- comparison ----------------

    void check_entry(uint64_t raw, const ModelMapping& mapping);

    void verify(bool deep);

    uint64_t seed_;
    bool known_bugs_;
    bool tolerant_ = false;
    Random random_;
    Totals& totals_;
    FakeMachine machine_;
    exo::fake::Clock clock_;
    exo::fake::Console console_;
    std::vector<std::byte> bytes_ = exo::test::tiny_elf_bytes();
    exo::ElfImage elf_;
    static constexpr uint64_t kModelImage = 0;
    exo::EmbeddedImage image_{};
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

} // namespace memory_model
