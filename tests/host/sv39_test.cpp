// Sv39 entry encoding and the page-table walker over fake physical memory.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "arch/riscv64/sv39.h"
#include "memory/page_table.h"

#include <CppUTest/TestHarness.h>

using namespace sv39;

TEST_GROUP(Sv39Entry){};

TEST(Sv39Entry, LeafEncodesPfnAndFlags) {
    Entry entry = Entry::leaf(0x80200, pte::kRead | pte::kExecute | pte::kUser);
    UNSIGNED_LONGLONGS_EQUAL((0x80200ull << 10) | 0x1b, entry.raw);
    CHECK(entry.valid());
    CHECK(entry.is_leaf());
    CHECK_FALSE(entry.is_table());
    UNSIGNED_LONGLONGS_EQUAL(0x80200, entry.pfn());
}

TEST(Sv39Entry, TableEntryHasOnlyValid) {
    Entry entry = Entry::table(0x12345);
    UNSIGNED_LONGLONGS_EQUAL((0x12345ull << 10) | 1, entry.raw);
    CHECK(entry.is_table());
    CHECK_FALSE(entry.is_leaf());
}

TEST(Sv39Entry, PfnIsMaskedTo44Bits) {
    Entry entry = Entry::leaf(~0ull, pte::kRead);
    UNSIGNED_LONGLONGS_EQUAL((1ull << 44) - 1, entry.pfn());
    UNSIGNED_LONGLONGS_EQUAL(0, entry.raw >> 54);  // reserved and PBMT bits stay clear
}

TEST(Sv39Entry, IndexExtraction) {
    uint64_t va = (5ull << 30) | (7ull << 21) | (9ull << 12) | 0x123;
    UNSIGNED_LONGS_EQUAL(5, index_at(va, 2));
    UNSIGNED_LONGS_EQUAL(7, index_at(va, 1));
    UNSIGNED_LONGS_EQUAL(9, index_at(va, 0));
    UNSIGNED_LONGS_EQUAL(510, index_at(0xffffffff80200000, 2));
    UNSIGNED_LONGS_EQUAL(256, index_at(0xffffffc000000000, 2));
}

TEST(Sv39Entry, CanonicalAddresses) {
    CHECK(is_canonical(0));
    CHECK(is_canonical(kUserTop - 1));
    CHECK_FALSE(is_canonical(kUserTop));
    CHECK_FALSE(is_canonical(0x0000800000000000));
    CHECK(is_canonical(kKernelBottom));
    CHECK(is_canonical(~0ull));
}

TEST(Sv39Entry, PermissionCombinations) {
    CHECK(is_valid_leaf_permission(pte::kRead));
    CHECK(is_valid_leaf_permission(pte::kRead | pte::kWrite));
    CHECK(is_valid_leaf_permission(pte::kExecute));
    CHECK(is_valid_leaf_permission(pte::kRead | pte::kExecute));
    CHECK_FALSE(is_valid_leaf_permission(0));
    CHECK_FALSE(is_valid_leaf_permission(pte::kWrite));                  // reserved
    CHECK_FALSE(is_valid_leaf_permission(pte::kWrite | pte::kExecute));  // reserved
}

TEST(Sv39Entry, Satp) {
    UNSIGNED_LONGLONGS_EQUAL(0x8000000000080080ull, make_satp(0x80080, 0));
    UNSIGNED_LONGLONGS_EQUAL(0x8000500000080080ull, make_satp(0x80080, 5));
}

namespace {

// Fake physical memory: frames numbered from kBasePfn, handed out in order until a limit.
class FakeMemory final : public exo::PageTableMemory {
public:
    static constexpr uint64_t kBasePfn = 0x80000;
    explicit FakeMemory(size_t frames) : frames_(frames) {}

    Entry* table(uint64_t pfn) override { return frames_.at(pfn - kBasePfn).data(); }
    std::optional<uint64_t> allocate_table() override {
        if (next_ == frames_.size() || next_ == limit_) return std::nullopt;
        frames_[next_].fill(Entry{});
        return kBasePfn + next_++;
    }
    size_t used() const { return next_; }
    void limit(size_t frames) { limit_ = frames; }

private:
    std::vector<std::array<Entry, kEntriesPerTable>> frames_;
    size_t next_ = 0;
    size_t limit_ = SIZE_MAX;
};

}  // namespace

TEST_GROUP(PageTable) {
    FakeMemory memory{64};
    std::optional<exo::PageTable> table;
    void setup() override { table.emplace(memory, *memory.allocate_table()); }
};

TEST(PageTable, MapThenLookup) {
    CHECK(table->map(0x10000, 0x90000, pte::kRead | pte::kUser) == abi::Error::Ok);
    int level = -1;
    Entry* entry = table->lookup(0x10abc, &level);
    CHECK(entry != nullptr);
    LONGS_EQUAL(0, level);
    UNSIGNED_LONGLONGS_EQUAL(0x90000, entry->pfn());
    UNSIGNED_LONGS_EQUAL(3, memory.used());  // root plus one table at each lower level
    POINTERS_EQUAL(nullptr, table->lookup(0x11000));
}

TEST(PageTable, SecondMappingOfAPageIsRefused) {
    CHECK(table->map(0x10000, 0x90000, pte::kRead) == abi::Error::Ok);
    CHECK(table->map(0x10000, 0x90001, pte::kRead) == abi::Error::AlreadyMapped);
    UNSIGNED_LONGLONGS_EQUAL(0x90000, table->lookup(0x10000)->pfn());
}

TEST(PageTable, NeighboursShareTables) {
    CHECK(table->map(0x10000, 0x90000, pte::kRead) == abi::Error::Ok);
    CHECK(table->map(0x11000, 0x90001, pte::kRead) == abi::Error::Ok);
    UNSIGNED_LONGS_EQUAL(3, memory.used());
    CHECK(table->map(0x40000000, 0x90002, pte::kRead) == abi::Error::Ok);  // next gigabyte
    UNSIGNED_LONGS_EQUAL(5, memory.used());
}

TEST(PageTable, OutOfTableFramesIsNoMemoryAndChangesNothingVisible) {
    memory.limit(2);
    CHECK(table->map(0x10000, 0x90000, pte::kRead) == abi::Error::NoMemory);
    POINTERS_EQUAL(nullptr, table->lookup(0x10000));
}

TEST(PageTable, MapRangePicksLargePagesWhenAligned) {
    CHECK(table->map_range(0xffffffc080000000, 0x80000000, 0x40000000, pte::kRead) ==
          abi::Error::Ok);
    int level = -1;
    CHECK(table->lookup(0xffffffc0bfffffff, &level) != nullptr);
    LONGS_EQUAL(2, level);
    UNSIGNED_LONGS_EQUAL(1, memory.used());  // a gigapage lives in the root itself
}

TEST(PageTable, MapRangeMixesPageSizes) {
    // 4 KiB short of 2 MiB alignment at the start, then 2 MiB pages, then 4 KiB pages.
    uint64_t base = 0x801ff000;
    uint64_t size = 0x1000 + 0x400000 + 0x2000;
    CHECK(table->map_range(0xffffffc000000000 + base, base, size, pte::kRead | pte::kWrite) ==
          abi::Error::Ok);
    int level = -1;
    CHECK(table->lookup(0xffffffc000000000 + base, &level) != nullptr);
    LONGS_EQUAL(0, level);
    CHECK(table->lookup(0xffffffc000000000 + 0x80200000, &level) != nullptr);
    LONGS_EQUAL(1, level);
    CHECK(table->lookup(0xffffffc000000000 + 0x80601000, &level) != nullptr);
    LONGS_EQUAL(0, level);
    UNSIGNED_LONGLONGS_EQUAL(0x80601, table->lookup(0xffffffc000000000 + 0x80601000)->pfn());
    POINTERS_EQUAL(nullptr, table->lookup(0xffffffc000000000 + 0x80602000));
}

TEST(PageTable, SmallPageUnderALargePageIsRefused) {
    CHECK(table->map(0x200000, 0x90000, pte::kRead, 1) == abi::Error::Ok);
    CHECK(table->map(0x201000, 0x90000, pte::kRead) == abi::Error::AlreadyMapped);
}

TEST(PageTable, MapRangeEndingAtTheTopOfTheAddressSpace) {
    CHECK(table->map_range(0xfffffffffffff000, 0x80000000, 0x1000, pte::kRead | pte::kWrite) ==
          abi::Error::Ok);
    Entry* entry = table->lookup(0xfffffffffffffff8);
    CHECK(entry != nullptr);
    UNSIGNED_LONGLONGS_EQUAL(0x80000, entry->pfn());
}
