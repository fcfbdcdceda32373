// Host tests for kernel/address_space under hostile calls: every refusal, and that a refused
// call changed nothing at all (frames, RAM, reserves, TLB).
#include "address_space_expectations.h"

using namespace address_space_test;

TEST_GROUP(AddressSpaceHostile) {
    FakeMachine machine;
    MemorySystem memory = machine.memory();
    Environment* a = nullptr;
    Environment* b = nullptr;
    uint64_t own = 0;   // a frame of A's, unmapped
    uint64_t other = 0; // a frame of B's, unmapped

    void setup() override {
        a = &machine.make_environment(8);
        b = &machine.make_environment(8);
        own = machine.allocate(*a);
        other = machine.allocate(*b);
        machine.clear_flushes();
    }
    void teardown() override {
        UNSIGNED_LONGLONGS_EQUAL(0, machine.bad_frame_accesses);
        STRCMP_EQUAL("", machine.audit_problems().c_str());
    }
    // The call must fail with `expected` and change nothing at all.
    template <typename Call>
    void refused(Error expected, Call && call) {
        FakeMachine::Snapshot before = machine.snapshot();
        Error actual = call();
        CHECK_EQUAL(expected, actual);
        STRCMP_EQUAL("", machine.changes_since(before).c_str());
    }
    void map_refused(Error expected, uint64_t va, uint64_t pfn, uint64_t count,
                     uint64_t permissions) {
        refused(expected,
                [&] { return address_space::map(memory, a->space, va, pfn, count, permissions); });
    }
    void unmap_refused(Error expected, uint64_t va, uint64_t count) {
        refused(expected, [&] { return address_space::unmap(memory, a->space, va, count); });
    }
    void protect_refused(Error expected, uint64_t va, uint64_t count, uint64_t permissions) {
        refused(expected,
                [&] { return address_space::protect(memory, a->space, va, count, permissions); });
    }
};

TEST(AddressSpaceHostile, FramesThatAreNotTheCallersAreRefused) {
    map_refused(Error::NotOwner, kVa, other, 1, kRW);                        // another's
    map_refused(Error::NotOwner, kVa, machine.first_usable() + 300, 1, kRW); // free
    map_refused(Error::NotOwner, kVa, b->space.root_pfn, 1, kRW);            // another's table
    map_refused(Error::NotOwner, kVa, machine.kernel_pfn(), 1, kRW);         // the kernel image
    map_refused(Error::NotOwner, kVa, machine.reserved_pfn(), 1, kRW);       // firmware
    map_refused(Error::NotOwner, kVa, machine.device_pfn(), 1, kRW);         // a device window
    for (uint64_t pfn : {uint64_t{0}, uint64_t{0x1000}, FakeMachine::kFirstPfn - 1,
                         machine.end_pfn(), uint64_t{1} << 43, ~uint64_t{0} - 1}) {
        map_refused(Error::NotOwner, kVa, pfn, 1, kRW); // outside RAM
    }
}

TEST(AddressSpaceHostile, KernelBoundFramesAreRefusedToTheirOwner) {
    map_refused(Error::FrameInUse, kVa, a->space.root_pfn, 1, permission::kRead);
    map_refused(Error::FrameInUse, kVa, a->space.table_reserve[0], 1, permission::kRead);
    // A table in use (the map below consumes two reserve frames).
    uint64_t mapped = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, mapped, 1, kRW));
    uint64_t table = a->space.table_reserve[a->space.table_reserve_count];
    UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(table).flags);
    map_refused(Error::FrameInUse, kVa + kPage, table, 1, kRW);
    // The shared info page.
    machine.entry(own).flags = frame_flag::kSharedInfo;
    map_refused(Error::FrameInUse, kVa + kPage, own, 1, permission::kRead);
    machine.entry(own).flags = 0;
}

TEST(AddressSpaceHostile, AddressesOutsideTheUserRangeAreRefused) {
    const uint64_t below[] = {0, kPage, abi::kUserMinimum - kPage};
    for (uint64_t va : below)
        map_refused(Error::OutOfRange, va, own, 1, kRW);
    map_refused(Error::OutOfRange, abi::kUserTop, own, 1, kRW);
    map_refused(Error::OutOfRange, abi::kUserTop - kPage, own, 2, kRW); // runs past the top
    map_refused(Error::OutOfRange, 0xffff'ffc0'0000'0000, own, 1, kRW); // the kernel half
    map_refused(Error::OutOfRange, 0xffff'ffff'ffff'f000, own, 2, kRW); // wraps to page 0
    map_refused(Error::OutOfRange, 0x0000'8000'0000'0000, own, 1, kRW); // not canonical
    // The shared info page, alone or inside a batch, from below or starting on it.
    map_refused(Error::OutOfRange, abi::kSharedInfoAddress, own, 1, kRW);
    uint64_t run = machine.allocate_run(*a, 3);
    map_refused(Error::OutOfRange, abi::kSharedInfoAddress - 2 * kPage, run, 3, kRW);
    map_refused(Error::OutOfRange, abi::kSharedInfoAddress - kPage, run, 2, kRW);
    for (uint64_t va :
         {uint64_t{0}, abi::kUserTop, abi::kSharedInfoAddress, uint64_t{0xffff'ffc0'0000'0000}}) {
        unmap_refused(Error::OutOfRange, va, 1);
        protect_refused(Error::OutOfRange, va, 1, permission::kRead);
    }
    // The pages next to it are the environment's.
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, a->space, abi::kSharedInfoAddress - kPage, run, 1, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, abi::kSharedInfoAddress + kPage,
                                              run + 1, 1, kRW));
    // So are the lowest and the highest page.
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, a->space, abi::kUserMinimum, run + 2, 1, kRW));
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, a->space, abi::kUserTop - kPage, own, 1, kRW));
}

TEST(AddressSpaceHostile, MisalignedAddressesAreRefused) {
    for (uint64_t offset : {uint64_t{1}, uint64_t{8}, uint64_t{0x800}, uint64_t{0xfff}}) {
        map_refused(Error::Misaligned, kVa + offset, own, 1, kRW);
        unmap_refused(Error::Misaligned, kVa + offset, 1);
        protect_refused(Error::Misaligned, kVa + offset, 1, kRW);
    }
}

TEST(AddressSpaceHostile, CountsOfZeroOrAboveTheBatchLimitAreRefused) {
    for (uint64_t count : {uint64_t{0}, abi::kMaxBatchPages + 1, uint64_t{1} << 52, ~uint64_t{0}}) {
        map_refused(Error::InvalidArgument, kVa, own, count, kRW);
        unmap_refused(Error::InvalidArgument, kVa, count);
        protect_refused(Error::InvalidArgument, kVa, count, kRW);
    }
    // The limit itself passes the count check and fails on the first frame that is not A's.
    map_refused(Error::NotOwner, kVa, other, abi::kMaxBatchPages, kRW);
}

TEST(AddressSpaceHostile, FrameNumbersThatWrapAreRefused) {
    map_refused(Error::InvalidArgument, kVa, ~uint64_t{0}, 2, kRW);
    map_refused(Error::InvalidArgument, kVa, ~uint64_t{0} - 2, 4, kRW);
    // The last frame number alone: its one-past-the-end wraps to 0, so it is refused as such.
    map_refused(Error::InvalidArgument, kVa, ~uint64_t{0}, 1, kRW);
    map_refused(Error::NotOwner, kVa, ~uint64_t{0} - 1, 1, kRW);
}

TEST(AddressSpaceHostile, ReservedAndUnknownPermissionsAreRefused) {
    const uint64_t bad[] = {0,                                         // map needs some access
                            permission::kWrite,                        // W without R: reserved
                            permission::kWrite | permission::kExecute, // reserved too
                            8,
                            permission::kRead | 8,
                            permission::kRead | 0x100,
                            permission::kRead | (uint64_t{1} << 63),
                            ~uint64_t{0}};
    for (uint64_t permissions : bad)
        map_refused(Error::BadPermission, kVa, own, 1, permissions);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, own, 1, permission::kRead));
    for (uint64_t permissions : bad) {
        if (permissions != 0) protect_refused(Error::BadPermission, kVa, 1, permissions);
    }
    UNSIGNED_LONGLONGS_EQUAL(leaf(own, permission::kRead), machine.read_entry(*a, kVa));
}

TEST(AddressSpaceHostile, MappingOverAnExistingMappingIsRefused) {
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, own, 1, kRW));
    uint64_t second = machine.allocate(*a);
    map_refused(Error::AlreadyMapped, kVa, second, 1, permission::kRead);
    map_refused(Error::AlreadyMapped, kVa, own, 1, permission::kRead); // even the same frame
    UNSIGNED_LONGLONGS_EQUAL(leaf(own, kRW), machine.read_entry(*a, kVa));
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(own));
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(second));
}

TEST(AddressSpaceHostile, ABatchWhoseLastPageIsBadChangesNothing) {
    // Ten frames of A's, but the tenth is handed to B: a NotOwner on the last page.
    uint64_t first = machine.allocate_run(*a, 10);
    machine.state.frames.transfer(first + 9, FakeMachine::slot(*b));
    map_refused(Error::NotOwner, kVa, first, 10, kRW);
    machine.state.frames.transfer(first + 9, FakeMachine::slot(*a));

    // The last frame kernel-bound.
    machine.entry(first + 9).flags = frame_flag::kTableReserve;
    map_refused(Error::FrameInUse, kVa, first, 10, kRW);
    machine.entry(first + 9).flags = 0;

    // The last page already mapped (to a frame outside the batch).
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, a->space, kVa + 9 * kPage, own, 1, permission::kRead));
    machine.clear_flushes();
    map_refused(Error::AlreadyMapped, kVa, first, 10, kRW);
    for (uint64_t i = 0; i < 9; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*a, kVa + i * kPage));
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(first + i));
    }
    UNSIGNED_LONGLONGS_EQUAL(leaf(own, permission::kRead), machine.read_entry(*a, kVa + 9 * kPage));

    // The last page on the shared info page.
    map_refused(Error::OutOfRange, abi::kSharedInfoAddress - 9 * kPage, first, 10, kRW);

    // The last page of a 100-page batch, across a 2 MiB boundary.
    uint64_t run = machine.allocate_run(*a, 100);
    machine.entry(run + 99).flags = frame_flag::kPageTable;
    map_refused(Error::FrameInUse, 0x8000'0000 + 0x1c'0000, run, 100, kRW);
    machine.entry(run + 99).flags = 0;
}

TEST(AddressSpaceHostile, WithoutDonatedTablesMapFailsWithNoMemory) {
    Environment& poor = machine.make_environment(0);
    uint64_t pfn = machine.allocate(poor);
    refused(Error::NoMemory,
            [&] { return address_space::map(memory, poor.space, kVa, pfn, 1, kRW); });
    auto* root = machine.frame_as<sv39::Entry>(poor.space.root_pfn);
    for (unsigned i = 0; i < 256; ++i)
        UNSIGNED_LONGLONGS_EQUAL(0, root[i].raw);
    // One table is not enough for a fresh gigabyte; the one donated stays in the reserve.
    uint64_t donated = machine.donate(poor);
    refused(Error::NoMemory,
            [&] { return address_space::map(memory, poor.space, kVa, pfn, 1, kRW); });
    UNSIGNED_LONGS_EQUAL(1, poor.space.table_reserve_count);
    UNSIGNED_LONGS_EQUAL(frame_flag::kTableReserve, machine.entry(donated).flags);
    // Two are; a batch over a 2 MiB boundary then needs one more than is left.
    machine.donate(poor);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, poor.space, kVa, pfn, 1, kRW));
    UNSIGNED_LONGS_EQUAL(0, poor.space.table_reserve_count);
    uint64_t run = machine.allocate_run(poor, 2);
    refused(Error::NoMemory,
            [&] { return address_space::map(memory, poor.space, kVa + 0x1f'f000, run, 2, kRW); });
    // A map into the existing table needs nothing.
    CHECK_EQUAL(Error::Ok, address_space::map(memory, poor.space, kVa + 0x1f'f000, run, 1, kRW));
}

TEST(AddressSpaceHostile, TheReserveHoldsAtMost32Frames) {
    Environment& c = machine.make_environment(0);
    for (uint32_t i = 0; i < exo::kTableReserveCapacity; ++i)
        machine.donate(c);
    uint64_t pfn = machine.allocate(c);
    refused(Error::TooMany,
            [&] { return address_space::donate_table_frame(memory, c.space, pfn); });
    UNSIGNED_LONGS_EQUAL(0, machine.entry(pfn).flags);
}

TEST(AddressSpaceHostile, DonationsThatAreNotFreeableAreRefused) {
    refused(Error::NotOwner,
            [&] { return address_space::donate_table_frame(memory, a->space, other); });
    refused(Error::NotOwner, [&] {
        return address_space::donate_table_frame(memory, a->space, machine.kernel_pfn());
    });
    refused(Error::OutOfRange,
            [&] { return address_space::donate_table_frame(memory, a->space, machine.end_pfn()); });
    refused(Error::FrameInUse,
            [&] { return address_space::donate_table_frame(memory, a->space, a->space.root_pfn); });
    machine.entry(own).flags = frame_flag::kEssential;
    refused(Error::FrameInUse,
            [&] { return address_space::donate_table_frame(memory, a->space, own); });
    machine.entry(own).flags = 0;
    CHECK_EQUAL(Error::Ok, machine.state.frames.pin(own));
    refused(Error::FrameInUse,
            [&] { return address_space::donate_table_frame(memory, a->space, own); });
    CHECK_EQUAL(Error::Ok, machine.state.frames.unpin(own));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, own, 1, kRW));
    refused(Error::FrameInUse,
            [&] { return address_space::donate_table_frame(memory, a->space, own); });
}

TEST(AddressSpaceHostile, UnmapOrProtectOfUnmappedPagesIsRefused) {
    unmap_refused(Error::NotMapped, kVa, 1); // no table at all
    protect_refused(Error::NotMapped, kVa, 1, permission::kRead);
    uint64_t run = machine.allocate_run(*a, 4);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, run, 4, kRW));
    machine.clear_flushes();
    unmap_refused(Error::NotMapped, kVa + 4 * kPage, 1); // table there, entry empty
    unmap_refused(Error::NotMapped, kVa, 5);             // the last page of the batch
    protect_refused(Error::NotMapped, kVa, 5, permission::kRead);
    protect_refused(Error::NotMapped, kVa - kPage, 2, 0); // the first page of the batch
    for (uint64_t i = 0; i < 4; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(leaf(run + i, kRW), machine.read_entry(*a, kVa + i * kPage));
    }
    CHECK_EQUAL(Error::Ok, address_space::unmap(memory, a->space, kVa, 4));
    unmap_refused(Error::NotMapped, kVa, 1); // twice
    unmap_refused(Error::NotMapped, kVa, 4);
}

TEST(AddressSpaceHostile, OneEnvironmentCannotTouchAnothersPages) {
    CHECK_EQUAL(Error::Ok, address_space::map(memory, b->space, kVa, other, 1, kRW));
    // A's space is separate: nothing at kVa to unmap or protect, and B's frame is not A's.
    unmap_refused(Error::NotMapped, kVa, 1);
    protect_refused(Error::NotMapped, kVa, 1, kRW);
    map_refused(Error::NotOwner, kVa, other, 1, permission::kRead);
    UNSIGNED_LONGLONGS_EQUAL(leaf(other, kRW), machine.read_entry(*b, kVa));
    UNSIGNED_LONGLONGS_EQUAL(0, address_space::unmap_frame(memory, a->space, other));
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(other));
}

TEST(AddressSpaceHostile, GrantsAreCheckedOnMapAndProtect) {
    exo::EnvironmentSlot sa = FakeMachine::slot(*a);
    exo::EnvironmentSlot sb = FakeMachine::slot(*b);
    // B grants `other` to A, read-only.
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(other, sb, sa, permission::kRead));
    map_refused(Error::BadPermission, kVa, other, 1, kRW);
    map_refused(Error::BadPermission, kVa, other, 1, kRX);
    map_refused(Error::BadPermission, kVa, other, 1, permission::kExecute);
    // A batch of A's own three frames, then the granted one on the last page.
    uint64_t run = machine.allocate_run(*a, 3);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, run, 3, kRW));
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, a->space, kVa + 3 * kPage, other, 1, permission::kRead));
    protect_refused(Error::BadPermission, kVa + 3 * kPage, 1, kRW);
    protect_refused(Error::BadPermission, kVa + 3 * kPage, 1, kRWX);
    protect_refused(Error::BadPermission, kVa, 4, kRW);
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 4, permission::kRead));
    // A grant to A is not a grant to C.
    Environment& c = machine.make_environment(2);
    refused(Error::NotOwner,
            [&] { return address_space::map(memory, c.space, kVa, other, 1, permission::kRead); });
    // A grantee can neither free nor donate what it was granted.
    CHECK_EQUAL(Error::NotOwner, machine.state.frames.check_freeable(other, sa));
    refused(Error::NotOwner,
            [&] { return address_space::donate_table_frame(memory, a->space, other); });
    // A grant of the same frame to the same grantee twice is refused; the first one stands.
    CHECK_EQUAL(Error::AlreadyExists, machine.state.grants.add(other, sb, sa, kRWX));
    UNSIGNED_LONGS_EQUAL(permission::kRead, machine.state.grants.find(other, sa)->permissions);
}

TEST(AddressSpaceHostile, MapCountsDoNotOverflow) {
    machine.entry(own).map_count = exo::FrameTable::kMaxCount;
    map_refused(Error::TooMany, kVa, own, 1, kRW);
    machine.entry(own).map_count = 0;
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(other, FakeMachine::slot(*b),
                                                    FakeMachine::slot(*a), permission::kRead));
    machine.entry(other).map_count = exo::FrameTable::kMaxCount;
    map_refused(Error::TooMany, kVa, other, 1, permission::kRead);
    machine.entry(other).map_count = 0;
}

// Regression, found by this suite and fixed (check_frame, donate_table_frame): a granted frame the
// owner later donates as a page-table frame stays mappable by the grantee. donate_table_frame only
// runs check_freeable, which ignores grants, and check_frame's grant path never looks at the
// frame's kKernelBound flags. The grantee then holds a writable mapping of the owner's page table
// (here after the owner's next map turns the reserve frame into a live table) and can map any
// physical frame. The audit does not notice either. Expected: one of the two steps refused.
TEST(AddressSpaceHostile, AGrantedFrameDonatedAsAPageTableIsNotMappableByTheGrantee) {
    uint64_t pfn = machine.allocate(*a);
    // What the Grant syscall checks first: A's own frame, mappable, so the grant is made.
    CHECK_EQUAL(Error::Ok,
                machine.state.frames.check_mappable_by_owner(pfn, FakeMachine::slot(*a)));
    CHECK_EQUAL(Error::Ok,
                machine.state.grants.add(pfn, FakeMachine::slot(*a), FakeMachine::slot(*b), kRW));
    Error donated = address_space::donate_table_frame(memory, a->space, pfn);
    Error mapped = address_space::map(memory, b->space, kVa, pfn, 1, kRW);
    bool aliased = false;
    if (donated == Error::Ok && mapped == Error::Ok) {
        // A's next map in a fresh gigabyte pops `pfn` (the top of its reserve) as a live table.
        CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, 0x8000'0000, own, 1, kRW));
        auto* root = machine.frame_as<sv39::Entry>(a->space.root_pfn);
        aliased = root[2].pfn() == pfn && pfn_of(machine.read_entry(*b, kVa)) == pfn;
    }
    CHECK_TEXT(donated != Error::Ok || mapped != Error::Ok,
               aliased ? "the grantee holds a writable mapping of its owner's live page table"
                       : "the grantee mapped a frame that is its owner's page-table reserve");
}

// AUDIT GAP (kernel/memory/audit.h, the leaf visitor): a user mapping of a page-table or
// table-reserve frame passes the audit whenever the mapper owns the frame or holds a grant for it,
// so the consequence of the bug above (and any future one like it) is invisible to the Audit
// syscall. Expected: a leaf mapping of a kPageTable or kTableReserve frame is a problem.
TEST(AddressSpaceHostile, TheAuditFlagsAUserMappingOfAPageTableFrame) {
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, own, 1, kRW));
    // Forge the state a kernel bug would leave: A's leaf points at its own live table.
    uint64_t table = a->space.table_reserve[a->space.table_reserve_count]; // the level-0 table
    UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(table).flags);
    CHECK_EQUAL(Error::Ok, address_space::unmap(memory, a->space, kVa, 1));
    CHECK_EQUAL(Error::Ok, address_space::map_for_kernel(memory, a->space, kVa, table,
                                                         pte::kUser | pte::kRead | pte::kWrite));
    std::string problems = machine.audit_problems();
    CHECK_TEXT(!problems.empty(), "a user-writable mapping of a live page table passed the audit");
    // Undo, so the teardown audit sees the state it expects either way.
    UNSIGNED_LONGLONGS_EQUAL(1, address_space::unmap_frame(memory, a->space, table));
}

// The fast Protect path (a batch inside the cached 2 MiB region) must hand a batch with one
// granted page to the general path: the grant's limit holds and the refused batch changes
// nothing, not even the own pages before it.
TEST(AddressSpaceHostile, AGrantedPageInAnOwnBatchKeepsItsLimit) {
    uint64_t run = machine.allocate_run(*a, 7);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, run, 7, kRW));
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(other, FakeMachine::slot(*b),
                                                    FakeMachine::slot(*a), permission::kRead));
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, a->space, kVa + 7 * kPage, other, 1, permission::kRead));
    CHECK_FALSE(machine.read_entry(*a, kVa + 7 * kPage) &
                exo::kPteOwnFrame); // a grant: never marked
    CHECK(machine.read_entry(*a, kVa) & exo::kPteOwnFrame);
    CHECK_EQUAL(Error::Ok,
                address_space::protect(memory, a->space, kVa, 7, permission::kRead)); // own: fast
    protect_refused(Error::BadPermission, kVa, 8, kRW);
    protect_refused(Error::BadPermission, kVa + 7 * kPage, 1, kRW);
    // Within the grant it is allowed, and the own pages may take anything.
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 8, permission::kRead));
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 7, kRWX));
    UNSIGNED_LONGLONGS_EQUAL(leaf(run + 6, kRWX), machine.read_entry(*a, kVa + 6 * kPage));
}
