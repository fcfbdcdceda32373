// Host tests for environments: creation from an ELF image and donated frames, destruction that
// returns everything (environment_lifecycle). Every test ends with a clean audit. The ids are
// environment_table_test.cpp's, revocation revocation_test.cpp's.
#include <abi/trap_page.h>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "memory/revocation.h"

#include "kernel_test_names.h"

// ---------------------------------------------------------------------------------------------

TEST_GROUP(EnvironmentLifecycle) {
    FakeMachine machine;
    MemorySystem memory = machine.memory();
    std::vector<std::byte> bytes = exo::test::tiny_elf_bytes();
    exo::ElfImage elf;
    Environment* parent = nullptr;

    void setup() override {
        elf = exo::test::parse_tiny(bytes);
        parent = &machine.make_environment(4);
        machine.clear_flushes();
    }
    void teardown() override {
        UNSIGNED_LONGLONGS_EQUAL(0, machine.bad_frame_accesses);
        STRCMP_EQUAL("", machine.audit_problems().c_str());
    }
    Error create(std::span<const uint64_t> frames, Environment * &child,
                 EnvironmentId parent_id = 0) {
        return exo::create_environment(machine.state, parent_id == 0 ? parent->id : parent_id, elf,
                                       bytes, frames, "child", child);
    }
    Environment& create_child(uint64_t extra = 0) {
        std::vector<uint64_t> frames =
            machine.frames_for(exo::test::kTinyFramesNeeded + extra, parent);
        Environment* child = nullptr;
        CHECK_EQUAL(Error::Ok, create(frames, child));
        CHECK(child != nullptr);
        return *child;
    }
    uint64_t owned_by(const Environment& environment) {
        uint64_t count = 0;
        for (uint64_t pfn = machine.first_usable(); pfn < machine.end_pfn(); ++pfn) {
            const exo::FrameEntry& frame = machine.entry(pfn);
            count += frame.state == abi::FrameState::Owned &&
                     frame.owner == FakeMachine::slot(environment);
        }
        return count;
    }
    bool no_marks_left() {
        for (uint64_t pfn = machine.first_usable(); pfn < machine.end_pfn(); ++pfn) {
            if (machine.entry(pfn).flags & frame_flag::kMark) return false;
        }
        return true;
    }
};

TEST(EnvironmentLifecycle, FramesNeededCountsRootSharedPageTablesImageAndStack) {
    UNSIGNED_LONGLONGS_EQUAL(exo::test::kTinyFramesNeeded, exo::frames_needed(elf));
    UNSIGNED_LONGLONGS_EQUAL(15, exo::frames_needed(elf));
    // A segment in another gigabyte costs its pages plus two tables; one in the same 2 MiB region
    // as the text costs only its page.
    std::vector<std::byte> far = exo::test::build_elf(
        0x10000, {{5, 0x1000, 0x10000, kPage, kPage}, {6, 0x2000, 0x1'0000'0000, 0x10, 2 * kPage}});
    exo::ElfImage far_elf = exo::test::parse_tiny(far);
    UNSIGNED_LONGLONGS_EQUAL(3 + 6 + 3 + abi::kInitialStackPages, exo::frames_needed(far_elf));
    std::vector<std::byte> near = exo::test::build_elf(
        0x10000, {{5, 0x1000, 0x10000, kPage, kPage}, {6, 0x2000, 0x12000, 0x10, kPage}});
    exo::ElfImage near_elf = exo::test::parse_tiny(near);
    UNSIGNED_LONGLONGS_EQUAL(3 + 4 + 2 + abi::kInitialStackPages, exo::frames_needed(near_elf));
}

TEST(EnvironmentLifecycle, CreateWithExactlyTheFramesNeeded) {
    uint64_t free_before = machine.free_count();
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded, parent);
    Environment* child = nullptr;
    CHECK_EQUAL(Error::Ok, create(frames, child));
    CHECK(child != nullptr);
    POINTERS_EQUAL(child, machine.state.environments.find(child->id));
    UNSIGNED_LONGLONGS_EQUAL(parent->id, child->parent);
    STRCMP_EQUAL("child", child->name);
    UNSIGNED_LONGLONGS_EQUAL(free_before - exo::test::kTinyFramesNeeded, machine.free_count());
    EnvironmentSlot slot = FakeMachine::slot(*child);

    // Every frame changed hands; the order is root, tables, shared page, image, stack.
    for (uint64_t pfn : frames) {
        UNSIGNED_LONGS_EQUAL(slot, machine.entry(pfn).owner);
        UNSIGNED_LONGS_EQUAL(0, machine.entry(pfn).pin_count);
    }
    UNSIGNED_LONGLONGS_EQUAL(frames[0], child->space.root_pfn);
    UNSIGNED_LONGLONGS_EQUAL(frames[5], child->shared_info_pfn);
    UNSIGNED_LONGS_EQUAL(0, child->space.table_reserve_count); // every donated table was used
    UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(frames[0]).flags);
    for (int i = 1; i <= 4; ++i) {
        UNSIGNED_LONGS_EQUAL(frame_flag::kPageTable, machine.entry(frames[i]).flags);
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(frames[i]));
    }
    UNSIGNED_LONGS_EQUAL(frame_flag::kSharedInfo, machine.entry(frames[5]).flags);
    UNSIGNED_LONGS_EQUAL(frame_flag::kSharedInfo, machine.entry(frames[6]).flags);  // the trap page
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(frames[0]));
    for (size_t i = 5; i < frames.size(); ++i) {
        UNSIGNED_LONGS_EQUAL(1, machine.map_count(frames[i]));
        if (i > 6) UNSIGNED_LONGS_EQUAL(0, machine.entry(frames[i]).flags);
    }

    // The trap page: read-write at its fixed address, no handler yet (busy), its kernel
    // address recorded for the trap vector.
    uint64_t trap = machine.read_entry(*child, abi::kTrapPageAddress);
    UNSIGNED_LONGLONGS_EQUAL(frames[6], sv39::Entry{trap}.pfn());
    UNSIGNED_LONGLONGS_EQUAL(child->trap_page_pfn, frames[6]);
    UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead | pte::kWrite,
                             trap & (pte::kValid | pte::kUser | pte::kPermissionMask));
    const auto* trap_page = reinterpret_cast<const abi::TrapPage*>(machine.frame(frames[6]));
    UNSIGNED_LONGLONGS_EQUAL(reinterpret_cast<uint64_t>(trap_page), child->trap_page);
    UNSIGNED_LONGLONGS_EQUAL(1, trap_page->busy);
    UNSIGNED_LONGLONGS_EQUAL(0, trap_page->handler_pc);
    CHECK(child->save_area == child->main.frame);
    CHECK(child->satp != 0);

    // The shared page: filled in, mapped read-only at its fixed address.
    abi::SharedInfo& info = machine.shared_info(*child);
    UNSIGNED_LONGS_EQUAL(abi::kSharedInfoVersion, info.version);
    UNSIGNED_LONGS_EQUAL(sizeof(abi::SharedInfo), info.size);
    UNSIGNED_LONGLONGS_EQUAL(child->id, info.environment_id);
    UNSIGNED_LONGLONGS_EQUAL(parent->id, info.parent_id);
    UNSIGNED_LONGLONGS_EQUAL(0, info.events);
    UNSIGNED_LONGLONGS_EQUAL(0, info.repossessed_total);
    UNSIGNED_LONGLONGS_EQUAL(0, info.initial_frame_count);
    uint64_t shared = machine.read_entry(*child, abi::kSharedInfoAddress);
    UNSIGNED_LONGLONGS_EQUAL(child->shared_info_pfn, sv39::Entry{shared}.pfn());
    UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead,
                             shared & (pte::kValid | pte::kUser | pte::kPermissionMask));

    // Text: the file's page at 0x10000, read and execute.
    uint64_t text = machine.read_entry(*child, exo::test::kTextAddress);
    UNSIGNED_LONGLONGS_EQUAL(frames[7], sv39::Entry{text}.pfn());
    UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead | pte::kExecute,
                             text & (pte::kValid | pte::kUser | pte::kPermissionMask));
    CHECK(std::memcmp(machine.frame(frames[7]), bytes.data() + exo::test::kTextOffset, kPage) == 0);

    // Data: zero below 0x21800, the 0x100 file bytes, then bss zero; two bss pages of zeros.
    const std::byte* data = machine.frame(frames[8]);
    for (uint64_t i = 0; i < kPage; ++i) {
        uint64_t at = 0x21000 + i;
        bool file_backed = at >= exo::test::kDataAddress &&
                           at < exo::test::kDataAddress + exo::test::kDataFileSize;
        std::byte expected = file_backed
                                 ? bytes[exo::test::kDataOffset + (at - exo::test::kDataAddress)]
                                 : std::byte{0};
        if (data[i] != expected) FAIL(("data page byte " + std::to_string(i)).c_str());
    }
    for (int page = 9; page <= 10; ++page) {
        const std::byte* bss = machine.frame(frames[page]);
        for (uint64_t i = 0; i < kPage; ++i) {
            if (bss[i] != std::byte{0}) FAIL("bss not zeroed");
        }
    }
    for (uint64_t va = 0x21000; va < 0x24000; va += kPage) {
        uint64_t raw = machine.read_entry(*child, va);
        UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead | pte::kWrite,
                                 raw & (pte::kValid | pte::kUser | pte::kPermissionMask));
    }
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*child, 0x11000));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*child, 0x24000));

    // Stack: four zeroed read-write pages below the top, guard pages either side.
    for (uint64_t i = 0; i < abi::kInitialStackPages; ++i) {
        uint64_t raw = machine.read_entry(*child, kStackBottom + i * kPage);
        UNSIGNED_LONGLONGS_EQUAL(frames[11 + i], sv39::Entry{raw}.pfn());
        UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead | pte::kWrite,
                                 raw & (pte::kValid | pte::kUser | pte::kPermissionMask));
        const std::byte* stack = machine.frame(frames[11 + i]);
        for (uint64_t j = 0; j < kPage; ++j) {
            if (stack[j] != std::byte{0}) FAIL("stack not zeroed");
        }
    }
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*child, abi::kInitialStackTop));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*child, kStackBottom - kPage));

    // Registers: entry, stack, id and the shared page's address.
    UNSIGNED_LONGLONGS_EQUAL(exo::test::kTextAddress, child->main.frame->pc());
    UNSIGNED_LONGLONGS_EQUAL(abi::kInitialStackTop, child->main.frame->x[riscv::reg::sp]);
    UNSIGNED_LONGLONGS_EQUAL(child->id, child->main.frame->x[riscv::reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(abi::kSharedInfoAddress, child->main.frame->x[riscv::reg::a1]);

    STRCMP_EQUAL("", machine.audit_problems().c_str());
    UNSIGNED_LONGLONGS_EQUAL(2 + 4 + 4,
                             machine.last_audit.mappings); // shared and trap pages, image, stack
}

TEST(EnvironmentLifecycle, LeftoverFramesAreListedInTheSharedPage) {
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded + 3, parent);
    Environment* child = nullptr;
    CHECK_EQUAL(Error::Ok, create(frames, child));
    abi::SharedInfo& info = machine.shared_info(*child);
    UNSIGNED_LONGLONGS_EQUAL(3, info.initial_frame_count);
    for (int i = 0; i < 3; ++i) {
        uint64_t pfn = frames[exo::test::kTinyFramesNeeded + i];
        UNSIGNED_LONGLONGS_EQUAL(pfn, info.initial_frames[i]);
        UNSIGNED_LONGS_EQUAL(FakeMachine::slot(*child), machine.entry(pfn).owner);
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(pfn));
        UNSIGNED_LONGS_EQUAL(0, machine.entry(pfn).flags);
        // The child's to use: it may donate one and map another.
        CHECK_EQUAL(Error::Ok, machine.state.frames.check_freeable(pfn, FakeMachine::slot(*child)));
    }
}

TEST(EnvironmentLifecycle, CreateAtBootTakesFreeFrames) {
    uint64_t free_before = machine.free_count();
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded);
    Environment* first = nullptr;
    CHECK_EQUAL(Error::Ok,
                exo::create_environment(machine.state, 0, elf, bytes, frames, "init", first));
    UNSIGNED_LONGLONGS_EQUAL(free_before - exo::test::kTinyFramesNeeded, machine.free_count());
    UNSIGNED_LONGLONGS_EQUAL(0, machine.shared_info(*first).parent_id);
    UNSIGNED_LONGLONGS_EQUAL(exo::test::kTinyFramesNeeded, owned_by(*first));
}

TEST(EnvironmentLifecycle, OneFrameFewerIsNoMemoryAndChangesNothing) {
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded - 1, parent);
    size_t live = machine.state.environments.live_count();
    FakeMachine::Snapshot before = machine.snapshot();
    Environment* child = nullptr;
    CHECK_EQUAL(Error::NoMemory, create(frames, child));
    POINTERS_EQUAL(nullptr, child);
    STRCMP_EQUAL("", machine.changes_since(before).c_str());
    UNSIGNED_LONGS_EQUAL(live, machine.state.environments.live_count());
    for (uint64_t pfn : frames)
        UNSIGNED_LONGS_EQUAL(FakeMachine::slot(*parent), machine.entry(pfn).owner);
    CHECK_EQUAL(Error::NoMemory, create(std::span<const uint64_t>(), child));
}

TEST(EnvironmentLifecycle, MoreLeftoversThanTheSharedPageListsAreRefused) {
    std::vector<uint64_t> frames =
        machine.frames_for(exo::test::kTinyFramesNeeded + abi::kInitialFrameSlots + 1, parent);
    FakeMachine::Snapshot before = machine.snapshot();
    Environment* child = nullptr;
    CHECK_EQUAL(Error::InvalidArgument, create(frames, child));
    STRCMP_EQUAL("", machine.changes_since(before).c_str());
    // Exactly kInitialFrameSlots leftovers fit.
    frames.pop_back();
    CHECK_EQUAL(Error::Ok, create(frames, child));
    UNSIGNED_LONGLONGS_EQUAL(abi::kInitialFrameSlots,
                             machine.shared_info(*child).initial_frame_count);
}

TEST(EnvironmentLifecycle, AFullEnvironmentTableIsTooManyAndChangesNothing) {
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded, parent);
    std::vector<Environment*> fillers;
    while (Environment* filler = machine.state.environments.allocate())
        fillers.push_back(filler);
    FakeMachine::Snapshot before = machine.snapshot();
    Environment* child = nullptr;
    CHECK_EQUAL(Error::TooMany, create(frames, child));
    STRCMP_EQUAL("", machine.changes_since(before).c_str());
    for (Environment* filler : fillers)
        machine.state.environments.release(*filler);
}

TEST(EnvironmentLifecycle, CheckDonatedFramesAcceptsTheParentsOwnFrames) {
    std::vector<uint64_t> frames = machine.frames_for(20, parent);
    EnvironmentSlot slot = FakeMachine::slot(*parent);
    CHECK_EQUAL(Error::Ok, exo::check_donated_frames(machine.state, slot, frames));
    CHECK(no_marks_left());
    CHECK_EQUAL(Error::Ok,
                exo::check_donated_frames(machine.state, slot, std::span<const uint64_t>()));
}

TEST(EnvironmentLifecycle, CheckDonatedFramesRejectsEveryKindOfBadFrame) {
    EnvironmentSlot slot = FakeMachine::slot(*parent);
    Environment& other = machine.make_environment(2);
    std::vector<uint64_t> good = machine.frames_for(13, parent);
    uint64_t mapped = machine.allocate(*parent);
    CHECK_EQUAL(Error::Ok, address_space::map(memory, parent->space, kFreeVa, mapped, 1, kRW));
    uint64_t essential = machine.allocate(*parent);
    machine.entry(essential).flags = frame_flag::kEssential;
    uint64_t pinned = machine.allocate(*parent);
    CHECK_EQUAL(Error::Ok, machine.state.frames.pin(pinned));
    uint64_t foreign = machine.allocate(other);
    uint64_t free_frame = machine.first_usable() + 400;
    const std::pair<uint64_t, Error> cases[] = {
        {good[3], Error::InvalidArgument},  // listed twice
        {good[12], Error::InvalidArgument}, // the duplicate is the last frame's own twin
        {foreign, Error::NotOwner},
        {free_frame, Error::NotOwner},
        {machine.kernel_pfn(), Error::NotOwner},
        {machine.end_pfn(), Error::OutOfRange},
        {mapped, Error::FrameInUse},
        {essential, Error::FrameInUse},
        {pinned, Error::FrameInUse},
        {parent->space.root_pfn, Error::FrameInUse},
        {parent->space.table_reserve[0], Error::FrameInUse},
    };
    for (const auto& [bad, expected] : cases) {
        std::vector<uint64_t> frames = good;
        frames.push_back(bad); // last, after thirteen that pass
        CHECK_EQUAL(expected, exo::check_donated_frames(machine.state, slot, frames));
        CHECK(no_marks_left());
        frames.insert(frames.begin(), bad); // and first
        frames.pop_back();
        CHECK_EQUAL(expected, exo::check_donated_frames(machine.state, slot, frames));
        CHECK(no_marks_left());
    }
    // The same frame three times, and a list that is nothing but one frame twice.
    std::vector<uint64_t> twice{good[0], good[0]};
    CHECK_EQUAL(Error::InvalidArgument, exo::check_donated_frames(machine.state, slot, twice));
    CHECK(no_marks_left());
    // Flags other than the mark were left alone.
    UNSIGNED_LONGS_EQUAL(frame_flag::kEssential, machine.entry(essential).flags);
    UNSIGNED_LONGS_EQUAL(0, machine.entry(good[3]).flags);
}

// Regression, found by this suite and fixed (check_donated_frames, check_frame; with
// kernel/memory/address_space.cpp check_frame): a frame the parent has granted to another
// environment passes check_donated_frames, and create_environment hands it to the child without
// removing the parent's grant. The grant now names a frame its owner no longer holds, and
// check_frame honours it (it never compares grant->owner with the frame's owner), so the grantee
// can map the child's root page table read-write. Expected: the donation refused (FrameInUse), or
// the grant revoked.
TEST(EnvironmentLifecycle, AGrantedFrameCannotBecomeAChildsFrameBehindTheGrant) {
    Environment& grantee = machine.make_environment(2);
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded, parent);
    uint64_t root = frames[0];
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(root, FakeMachine::slot(*parent),
                                                    FakeMachine::slot(grantee), kRW));
    Error checked = exo::check_donated_frames(machine.state, FakeMachine::slot(*parent), frames);
    Environment* child = nullptr;
    Error mapped = Error::NotOwner;
    if (checked == Error::Ok && create(frames, child) == Error::Ok) {
        mapped = address_space::map(memory, grantee.space, kFreeVa, root, 1, kRW);
    }
    CHECK_TEXT(mapped != Error::Ok,
               "another environment mapped the new child's root page table read-write");
    STRCMP_EQUAL("", machine.audit_problems().c_str());
}

TEST(EnvironmentLifecycle, DestroyReturnsEveryFrame) {
    uint64_t free_before = machine.free_count();
    uint64_t parent_owned = owned_by(*parent);
    // At boot, so every frame of the child comes from the free pool and must go back to it.
    std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded + 2);
    Environment* child = nullptr;
    CHECK_EQUAL(Error::Ok,
                exo::create_environment(machine.state, parent->id, elf, bytes, frames, "c", child));
    EnvironmentId id = child->id;
    uint16_t asid = child->space.asid;
    // Let it use its frames in every way: tables donated, pages mapped, protected, essential,
    // pinned.
    MemorySystem m = machine.memory();
    uint64_t donated = machine.donate(*child);
    machine.donate(*child);
    uint64_t extra = machine.allocate(*child);
    CHECK_EQUAL(Error::Ok, address_space::map(m, child->space, kFreeVa, extra, 1, kRW));
    CHECK_EQUAL(Error::Ok,
                address_space::map(m, child->space, kFreeVa + kPage, extra, 1, permission::kRead));
    CHECK_EQUAL(Error::Ok, address_space::protect(m, child->space, kFreeVa, 1, 0));
    machine.entry(frames[exo::test::kTinyFramesNeeded]).flags = frame_flag::kEssential;
    CHECK_EQUAL(Error::Ok, machine.state.frames.pin(frames[exo::test::kTinyFramesNeeded + 1]));
    UNSIGNED_LONGLONGS_EQUAL(free_before - exo::test::kTinyFramesNeeded - 5, machine.free_count());
    machine.clear_flushes();

    exo::destroy_environment(machine.state, *child);
    // The pinned frame (disk I/O in flight) is no one's but stays out of use, pinned, until
    // its I/O completes; every other frame is free at once.
    uint64_t pinned = frames[exo::test::kTinyFramesNeeded + 1];
    UNSIGNED_LONGLONGS_EQUAL(free_before - 1, machine.free_count());
    CHECK(machine.entry(pinned).state == abi::FrameState::Owned);
    UNSIGNED_LONGS_EQUAL(exo::kNoEnvironment, machine.entry(pinned).owner);
    UNSIGNED_LONGS_EQUAL(1, machine.entry(pinned).pin_count);
    UNSIGNED_LONGS_EQUAL(0, machine.entry(pinned).flags);
    CHECK_EQUAL(Error::Ok, machine.state.frames.unpin(pinned));
    machine.state.frames.release(pinned);  // what the disk's completion does
    UNSIGNED_LONGLONGS_EQUAL(free_before, machine.free_count());
    POINTERS_EQUAL(nullptr, machine.state.environments.find(id));
    for (uint64_t pfn : frames) {
        CHECK(machine.entry(pfn).state == abi::FrameState::Free);
        UNSIGNED_LONGS_EQUAL(0, machine.entry(pfn).flags);
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(pfn));
    }
    CHECK(machine.entry(donated).state == abi::FrameState::Free);
    CHECK(machine.entry(extra).state == abi::FrameState::Free);
    CHECK(std::vector<uint16_t>{asid} == machine.space_flushes);
    UNSIGNED_LONGLONGS_EQUAL(parent_owned, owned_by(*parent)); // the parent keeps its own
}

TEST(EnvironmentLifecycle, DestroyEndsGrantsBothWays) {
    Environment& child = create_child(2);
    Environment& peer = machine.make_environment(4);
    EnvironmentSlot child_slot = FakeMachine::slot(child);
    EnvironmentSlot peer_slot = FakeMachine::slot(peer);
    uint64_t given = machine.shared_info(child).initial_frames[0]; // the child's, granted to peer
    uint64_t taken = machine.allocate(peer);                       // peer's, granted to the child
    machine.donate(child); // tables for the child's map of the peer's frame
    machine.donate(child);
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(given, child_slot, peer_slot, kRW));
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(taken, peer_slot, child_slot, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, peer.space, kFreeVa, given, 1, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, peer.space, kFreeVa + kPage, taken, 1, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, child.space, kFreeVa, taken, 1, kRW));
    UNSIGNED_LONGS_EQUAL(2, machine.map_count(taken));
    machine.clear_flushes();

    exo::destroy_environment(machine.state, child);
    UNSIGNED_LONGS_EQUAL(0, machine.state.grants.count());
    // The child's frame left the peer's address space, with the peer's TLB entry flushed.
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(peer, kFreeVa));
    CHECK(machine.entry(given).state == abi::FrameState::Free);
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(given));
    bool flushed = false;
    for (const auto& [va, asid] : machine.page_flushes)
        flushed |= va == kFreeVa && asid == peer.space.asid;
    CHECK(flushed);
    // The peer's frame stays the peer's, mapped once (by the peer), no longer granted.
    CHECK(machine.entry(taken).state == abi::FrameState::Owned);
    UNSIGNED_LONGS_EQUAL(peer_slot, machine.entry(taken).owner);
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(taken));
    UNSIGNED_LONGLONGS_EQUAL(taken, sv39::Entry{machine.read_entry(peer, kFreeVa + kPage)}.pfn());
    POINTERS_EQUAL(nullptr, machine.state.grants.find(taken, child_slot));
}

TEST(EnvironmentLifecycle, DestroyingTheParentLeavesTheChildIntact) {
    Environment& child = create_child();
    uint64_t child_owned = owned_by(child);
    exo::destroy_environment(machine.state, *parent);
    UNSIGNED_LONGLONGS_EQUAL(child_owned, owned_by(child));
    CHECK(machine.state.environments.find(child.id) != nullptr);
    CHECK(machine.read_entry(child, exo::test::kTextAddress) != 0);
}

TEST(EnvironmentLifecycle, CreateDestroyCyclesLeakNothing) {
    uint64_t free_before = machine.free_count();
    std::set<EnvironmentId> ids;
    for (int round = 0; round < 30; ++round) {
        std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded + round % 3);
        Environment* child = nullptr;
        CHECK_EQUAL(Error::Ok, exo::create_environment(machine.state, parent->id, elf, bytes,
                                                       frames, "c", child));
        CHECK(ids.insert(child->id).second);
        exo::destroy_environment(machine.state, *child);
        UNSIGNED_LONGLONGS_EQUAL(free_before, machine.free_count());
    }
}
