// Host tests for kernel/address_space: secure bindings of frames into an environment's user half.
// This group pins what map/unmap/protect write and flush; address_space_hostile_test.cpp tries
// every refusal.
#include "address_space_expectations.h"

using namespace address_space_test;

TEST_GROUP(AddressSpace) {
    FakeMachine machine;
    MemorySystem memory = machine.memory();
    Environment* a = nullptr;
    Environment* b = nullptr;

    void setup() override {
        a = &machine.make_environment(8);
        b = &machine.make_environment(8);
        machine.clear_flushes();
    }
    void teardown() override {
        UNSIGNED_LONGLONGS_EQUAL(0, machine.bad_frame_accesses);
        STRCMP_EQUAL("", machine.audit_problems().c_str());
    }
    uint16_t asid(const Environment& environment) {
        return environment.space.asid;
    }
    std::vector<std::pair<uint64_t, uint16_t>> pages(uint64_t va, uint64_t count, uint16_t space) {
        std::vector<std::pair<uint64_t, uint16_t>> expected;
        for (uint64_t i = 0; i < count; ++i)
            expected.emplace_back(va + i * kPage, space);
        return expected;
    }
};

TEST(AddressSpace, CreateZeroesTheUserHalfAndCopiesTheKernelHalf) {
    machine.kernel_root[256] = sv39::Entry::table(0x80001);
    machine.kernel_root[511] = sv39::Entry::leaf(0x80000, pte::kRead | pte::kWrite | pte::kGlobal);
    Environment& c = machine.make_environment(0);
    auto* root = machine.frame_as<sv39::Entry>(c.space.root_pfn);
    for (unsigned i = 0; i < 256; ++i)
        UNSIGNED_LONGLONGS_EQUAL(0, root[i].raw); // RAM was 0xa5
    UNSIGNED_LONGLONGS_EQUAL(machine.kernel_root[256].raw, root[256].raw);
    UNSIGNED_LONGLONGS_EQUAL(machine.kernel_root[511].raw, root[511].raw);
    UNSIGNED_LONGLONGS_EQUAL(0, root[300].raw);
    UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(c.space.root_pfn).flags);
    UNSIGNED_LONGS_EQUAL(FakeMachine::slot(c), c.space.slot);
    UNSIGNED_LONGS_EQUAL(FakeMachine::slot(c) + 1, c.space.asid);
}

TEST(AddressSpace, DonatedFramesBecomeTheReserve) {
    uint64_t pfn = machine.allocate(*a);
    uint32_t before = a->space.table_reserve_count;
    CHECK_EQUAL(Error::Ok, address_space::donate_table_frame(memory, a->space, pfn));
    UNSIGNED_LONGS_EQUAL(before + 1, a->space.table_reserve_count);
    UNSIGNED_LONGLONGS_EQUAL(pfn, a->space.table_reserve[before]);
    UNSIGNED_LONGS_EQUAL(frame_flag::kTableReserve, machine.entry(pfn).flags);
    // Still the environment's, but no longer its to free, map or donate again.
    UNSIGNED_LONGS_EQUAL(FakeMachine::slot(*a), machine.entry(pfn).owner);
    CHECK_EQUAL(Error::FrameInUse, machine.state.frames.check_freeable(pfn, FakeMachine::slot(*a)));
    CHECK_EQUAL(Error::FrameInUse, address_space::map(memory, a->space, kVa, pfn, 1, kRW));
    CHECK_EQUAL(Error::FrameInUse, address_space::donate_table_frame(memory, a->space, pfn));
    UNSIGNED_LONGS_EQUAL(before + 1, a->space.table_reserve_count);
}

TEST(AddressSpace, MapOnePageWritesTheLeafAndPaysForTablesFromTheReserve) {
    uint64_t pfn = machine.allocate(*a);
    uint32_t reserve = a->space.table_reserve_count;
    uint64_t middle = a->space.table_reserve[reserve - 1];
    uint64_t last = a->space.table_reserve[reserve - 2];
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, kRW));
    uint64_t raw = machine.read_entry(*a, kVa);
    UNSIGNED_LONGLONGS_EQUAL(leaf(pfn, kRW), raw);
    UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead | pte::kWrite |
                                 exo::kPteOwnFrame,
                             raw & pte::kFlagMask);
    UNSIGNED_LONGLONGS_EQUAL(pfn, pfn_of(raw));
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(pfn));
    // Two new tables (the gigabyte's and the 2 MiB region's), taken from the top of the reserve.
    UNSIGNED_LONGS_EQUAL(reserve - 2, a->space.table_reserve_count);
    UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(middle).flags);
    UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(last).flags);
    auto* root = machine.frame_as<sv39::Entry>(a->space.root_pfn);
    CHECK(root[1].is_table());
    UNSIGNED_LONGLONGS_EQUAL(middle, root[1].pfn());
    // The new tables were zeroed (RAM starts as 0xa5): only the one leaf is there.
    auto* table = machine.frame_as<sv39::Entry>(last);
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 512; ++i)
        nonzero += table[i].raw != 0;
    UNSIGNED_LONGS_EQUAL(1, nonzero);
    // The neighbours are not mapped; B sees nothing of A's binding.
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa + kPage));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa - kPage));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*b, kVa));
}

TEST(AddressSpace, EachPermissionGivesItsLeafFlags) {
    const uint64_t cases[][2] = {
        {permission::kRead, pte::kRead},
        {kRW, pte::kRead | pte::kWrite},
        {permission::kExecute, pte::kExecute},
        {kRX, pte::kRead | pte::kExecute},
        {kRWX, pte::kRead | pte::kWrite | pte::kExecute},
    };
    uint64_t va = kVa;
    for (const auto& entry : cases) {
        uint64_t pfn = machine.allocate(*a);
        CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, va, pfn, 1, entry[0]));
        // Always U and V (and, the frame being A's own, kPteOwnFrame); never G, A or D, which the
        // kernel sets only when it must.
        UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | exo::kPteOwnFrame | entry[1],
                                 machine.read_entry(*a, va) & pte::kFlagMask);
        va += kPage;
    }
}

TEST(AddressSpace, TablesAreSharedWithinA2MiBRegion) {
    uint64_t first = machine.allocate(*a);
    uint64_t second = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, first, 1, kRW));
    uint32_t reserve = a->space.table_reserve_count;
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa + 511 * kPage, second, 1, kRW));
    UNSIGNED_LONGS_EQUAL(reserve, a->space.table_reserve_count);
    // The next 2 MiB region needs one more table, the gigabyte's middle table is shared.
    uint64_t third = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa + 512 * kPage, third, 1, kRW));
    UNSIGNED_LONGS_EQUAL(reserve - 1, a->space.table_reserve_count);
}

TEST(AddressSpace, UnmapClearsTheLeafAndFlushesThatPage) {
    uint64_t pfn = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, kRW));
    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::unmap(memory, a->space, kVa, 1));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa));
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(pfn));
    CHECK(pages(kVa, 1, asid(*a)) == machine.page_flushes);
    CHECK(machine.space_flushes.empty());
    // The frame is free to release again.
    CHECK_EQUAL(Error::Ok, machine.state.frames.check_freeable(pfn, FakeMachine::slot(*a)));
}

TEST(AddressSpace, BatchOf100PagesAcrossA2MiBBoundary) {
    // 64 pages below the boundary at kVa + 2 MiB, 36 above: three new tables.
    uint64_t va = kVa + 0x1c'0000;
    uint64_t first = machine.allocate_run(*a, 100);
    uint32_t reserve = a->space.table_reserve_count;
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, va, first, 100, kRX));
    UNSIGNED_LONGS_EQUAL(reserve - 3, a->space.table_reserve_count);
    for (uint64_t i = 0; i < 100; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(leaf(first + i, kRX), machine.read_entry(*a, va + i * kPage));
        UNSIGNED_LONGS_EQUAL(1, machine.map_count(first + i));
    }
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, va + 100 * kPage));
    STRCMP_EQUAL("", machine.audit_problems().c_str());
    UNSIGNED_LONGLONGS_EQUAL(100, machine.last_audit.mappings);

    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, va, 100, permission::kRead));
    for (uint64_t i = 0; i < 100; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(leaf(first + i, permission::kRead),
                                 machine.read_entry(*a, va + i * kPage));
    }
    // Above kFlushPagesLimit pages one whole-space flush replaces the page flushes.
    CHECK(machine.page_flushes.empty());
    CHECK(std::vector<uint16_t>{asid(*a)} == machine.space_flushes);

    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::unmap(memory, a->space, va, 100));
    for (uint64_t i = 0; i < 100; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, va + i * kPage));
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(first + i));
    }
    CHECK(machine.page_flushes.empty());
    CHECK(std::vector<uint16_t>{asid(*a)} == machine.space_flushes);
}

TEST(AddressSpace, ProtectChangesOnlyTheNamedPagesAndFlushesExactlyThem) {
    uint64_t first = machine.allocate_run(*a, 5);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, first, 5, permission::kRead));
    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa + kPage, 3, kRW));
    UNSIGNED_LONGLONGS_EQUAL(leaf(first, permission::kRead), machine.read_entry(*a, kVa));
    for (uint64_t i = 1; i <= 3; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(leaf(first + i, kRW), machine.read_entry(*a, kVa + i * kPage));
        UNSIGNED_LONGS_EQUAL(1, machine.map_count(first + i)); // a protection is not a binding
    }
    UNSIGNED_LONGLONGS_EQUAL(leaf(first + 4, permission::kRead),
                             machine.read_entry(*a, kVa + 4 * kPage));
    CHECK(pages(kVa + kPage, 3, asid(*a)) == machine.page_flushes);
    CHECK(machine.space_flushes.empty());
}

TEST(AddressSpace, FlushLimitIsExactly32Pages) {
    uint64_t first = machine.allocate_run(*a, 33);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, first, 33, kRW));
    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 32, permission::kRead));
    CHECK(pages(kVa, 32, asid(*a)) == machine.page_flushes);
    CHECK(machine.space_flushes.empty());
    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 33, kRW));
    CHECK(machine.page_flushes.empty());
    CHECK(std::vector<uint16_t>{asid(*a)} == machine.space_flushes);
}

TEST(AddressSpace, ProtectToNoAccessKeepsTheBinding) {
    uint64_t pfn = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, kRW));
    machine.clear_flushes();
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, 0));
    uint64_t raw = machine.read_entry(*a, kVa);
    CHECK(raw != 0);
    UNSIGNED_LONGLONGS_EQUAL(pfn, pfn_of(raw));
    UNSIGNED_LONGLONGS_EQUAL(0, raw & pte::kValid); // the hardware faults on any access
    UNSIGNED_LONGLONGS_EQUAL(0, raw & (pte::kRead | pte::kWrite | pte::kExecute));
    CHECK(raw & exo::kPteNoAccess);
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(pfn));
    CHECK(pages(kVa, 1, asid(*a)) == machine.page_flushes);
    // Still bound: the audit counts it, the frame cannot be freed, the page cannot be mapped over.
    STRCMP_EQUAL("", machine.audit_problems().c_str());
    UNSIGNED_LONGLONGS_EQUAL(1, machine.last_audit.mappings);
    CHECK_EQUAL(Error::FrameInUse, machine.state.frames.check_freeable(pfn, FakeMachine::slot(*a)));
    uint64_t other = machine.allocate(*a);
    CHECK_EQUAL(Error::AlreadyMapped, address_space::map(memory, a->space, kVa, other, 1, kRW));
    // And it comes back, or goes away, like any binding.
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, kRX));
    UNSIGNED_LONGLONGS_EQUAL(leaf(pfn, kRX), machine.read_entry(*a, kVa));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, 0));
    CHECK_EQUAL(Error::Ok, address_space::unmap(memory, a->space, kVa, 1));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa));
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(pfn));
}

TEST(AddressSpace, ProtectKeepsAccessedAndDirty) {
    uint64_t pfn = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, kRW));
    CHECK(address_space::settle_access(memory, a->space, kVa + 8, address_space::Access::Store));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, 0));
    UNSIGNED_LONGLONGS_EQUAL(pte::kAccessed | pte::kDirty,
                             machine.read_entry(*a, kVa) & (pte::kAccessed | pte::kDirty));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, permission::kRead));
    UNSIGNED_LONGLONGS_EQUAL(leaf(pfn, permission::kRead) | pte::kAccessed | pte::kDirty,
                             machine.read_entry(*a, kVa));
}

TEST(AddressSpace, SettleAccessOnlyForWhatTheBindingAllows) {
    uint64_t pfn = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, permission::kRead));
    machine.clear_flushes();
    CHECK(address_space::settle_access(memory, a->space, kVa + 0x123, address_space::Access::Load));
    UNSIGNED_LONGLONGS_EQUAL(leaf(pfn, permission::kRead) | pte::kAccessed,
                             machine.read_entry(*a, kVa));
    CHECK(pages(kVa, 1, asid(*a)) == machine.page_flushes);
    uint64_t before = machine.read_entry(*a, kVa);
    CHECK_FALSE(address_space::settle_access(memory, a->space, kVa, address_space::Access::Store));
    CHECK_FALSE(address_space::settle_access(memory, a->space, kVa, address_space::Access::Fetch));
    UNSIGNED_LONGLONGS_EQUAL(before,
                             machine.read_entry(*a, kVa)); // no dirty bit on a read-only page
    CHECK_FALSE(
        address_space::settle_access(memory, a->space, kVa + kPage, address_space::Access::Load));
    CHECK_FALSE(address_space::settle_access(memory, a->space, 0xffff'ffc0'0000'0000,
                                             address_space::Access::Load));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, 0));
    CHECK_FALSE(address_space::settle_access(memory, a->space, kVa, address_space::Access::Load));
}

TEST(AddressSpace, ReadEntryOfNothingIsZero) {
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, 0));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, abi::kUserTop));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, abi::kUserTop - kPage));
    machine.kernel_root[256] = sv39::Entry::leaf(0x80000, pte::kRead | pte::kWrite | pte::kGlobal);
    Environment& c = machine.make_environment(0);
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(c, 0xffff'ffc0'0000'0000)); // kernel half hidden
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(c, ~uint64_t{0}));
}

TEST(AddressSpace, TheSameFrameTwiceCountsTwiceAndUnmapFrameRemovesBoth) {
    uint64_t pfn = machine.allocate(*a);
    uint64_t far = 0x20'0000'0000; // another gigabyte, with its own tables
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, far, pfn, 1, permission::kRead));
    UNSIGNED_LONGS_EQUAL(2, machine.map_count(pfn));
    machine.clear_flushes();
    UNSIGNED_LONGLONGS_EQUAL(2, address_space::unmap_frame(memory, a->space, pfn));
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(pfn));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, far));
    std::vector<std::pair<uint64_t, uint16_t>> expected{{kVa, asid(*a)}, {far, asid(*a)}};
    CHECK(expected == machine.page_flushes);
    // Nothing left to remove.
    machine.clear_flushes();
    UNSIGNED_LONGLONGS_EQUAL(0, address_space::unmap_frame(memory, a->space, pfn));
    CHECK(machine.page_flushes.empty());
}

TEST(AddressSpace, GrantedFrameMapsWithinTheGrantOnly) {
    uint64_t pfn = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok,
                machine.state.grants.add(pfn, FakeMachine::slot(*a), FakeMachine::slot(*b), kRX));
    CHECK_EQUAL(Error::BadPermission, address_space::map(memory, b->space, kVa, pfn, 1, kRW));
    CHECK_EQUAL(Error::BadPermission, address_space::map(memory, b->space, kVa, pfn, 1, kRWX));
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(pfn));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, b->space, kVa, pfn, 1, permission::kRead));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, b->space, kVa + kPage, pfn, 1, kRX));
    UNSIGNED_LONGLONGS_EQUAL(granted_leaf(pfn, kRX), machine.read_entry(*b, kVa + kPage));
    // The owner is not limited by its own grant.
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, pfn, 1, kRWX));
    UNSIGNED_LONGS_EQUAL(3, machine.map_count(pfn));
    // Protect of the grantee's mapping stays within the grant; 0 always fits.
    CHECK_EQUAL(Error::BadPermission, address_space::protect(memory, b->space, kVa, 1, kRW));
    UNSIGNED_LONGLONGS_EQUAL(granted_leaf(pfn, permission::kRead), machine.read_entry(*b, kVa));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, b->space, kVa, 1, 0));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, b->space, kVa, 2, kRX));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, kRW));
    // Revoking (what GrantRevoke does) removes every grantee mapping and only those.
    machine.clear_flushes();
    UNSIGNED_LONGLONGS_EQUAL(2, address_space::unmap_frame(memory, b->space, pfn));
    CHECK(machine.state.grants.remove(pfn, FakeMachine::slot(*b)));
    CHECK(pages(kVa, 2, asid(*b)) == machine.page_flushes);
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(pfn));
    UNSIGNED_LONGLONGS_EQUAL(leaf(pfn, kRW), machine.read_entry(*a, kVa));
    CHECK_EQUAL(Error::NotOwner,
                address_space::map(memory, b->space, kVa, pfn, 1, permission::kRead));
}

TEST(AddressSpace, TearDownDropsEveryMappingCount) {
    uint64_t own = machine.allocate_run(*a, 3);
    uint64_t granted = machine.allocate(*b);
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(granted, FakeMachine::slot(*b),
                                                    FakeMachine::slot(*a), kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, own, 3, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa + 3 * kPage, granted, 1, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, b->space, kVa, granted, 1, kRW));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, 0)); // counted too
    machine.clear_flushes();
    address_space::tear_down(memory, a->space);
    for (uint64_t i = 0; i < 3; ++i)
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(own + i));
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(granted)); // B's own mapping stays
    CHECK(std::vector<uint16_t>{asid(*a)} == machine.space_flushes);
    // What destroy_environment does next, so the teardown audit sees a consistent state.
    machine.state.grants.remove(granted, FakeMachine::slot(*a));
    for (uint64_t pfn = machine.first_usable(); pfn < machine.end_pfn(); ++pfn) {
        if (machine.entry(pfn).state == abi::FrameState::Owned &&
            machine.entry(pfn).owner == FakeMachine::slot(*a)) {
            machine.state.frames.release(pfn);
        }
    }
    machine.state.environments.release(*a);
}

// ---- The fast paths' permission arithmetic agrees with the general path's rules ----

TEST(AddressSpace, FastPathPermissionArithmeticMatchesTheGeneralRules) {
    namespace fast = exo::address_space::fast;
    for (uint64_t permissions : {0ull, 1ull, 2ull, 3ull, 4ull, 5ull, 6ull, 7ull, 8ull, 9ull, 15ull,
                                 63ull, 64ull, 65ull, 67ull, 71ull, 1ull << 40, ~0ull}) {
        bool accepted = permissions != 0 && address_space::valid_permissions(permissions);
        CHECK_EQUAL(accepted, fast::leaf_permissions(permissions));
        if (accepted) {
            UNSIGNED_LONGLONGS_EQUAL(pte::kValid | address_space::user_pte_flags(permissions),
                                     fast::leaf_flags(permissions));
            UNSIGNED_LONGLONGS_EQUAL(fast::leaf_flags(permissions), fast::flags_for(permissions));
        } else {
            UNSIGNED_LONGLONGS_EQUAL(permissions == 0 ? exo::kPteNoAccess : 0,
                                     fast::flags_for(permissions));
        }
    }
}
