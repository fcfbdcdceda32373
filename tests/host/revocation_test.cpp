// Visible revocation: requests, the abort protocol, repossession (kernel/memory/revocation.cpp).
#include <abi/trap_page.h>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "memory/revocation.h"

#include "kernel_test_names.h"

TEST_GROUP(Revocation) {
    FakeMachine machine;
    MemorySystem memory = machine.memory();
    std::vector<std::byte> bytes = exo::test::tiny_elf_bytes();
    exo::ElfImage elf;
    Environment* victim = nullptr;
    Environment* bystander = nullptr;
    std::vector<uint64_t> image_and_stack; // the victim's mapped frames from creation
    std::vector<uint64_t> spare;           // its three leftover frames, unmapped

    void setup() override {
        elf = exo::test::parse_tiny(bytes);
        victim = &create(3);
        bystander = &create(3);
        std::vector<uint64_t> frames;
        for (uint64_t pfn = machine.first_usable(); pfn < machine.end_pfn(); ++pfn) {
            const exo::FrameEntry& frame = machine.entry(pfn);
            if (frame.state == abi::FrameState::Owned &&
                frame.owner == FakeMachine::slot(*victim) && frame.flags == 0 &&
                frame.map_count == 1) {
                image_and_stack.push_back(pfn);
            }
        }
        abi::SharedInfo& info = machine.shared_info(*victim);
        for (uint64_t i = 0; i < info.initial_frame_count; ++i)
            spare.push_back(info.initial_frames[i]);
        UNSIGNED_LONGS_EQUAL(8, image_and_stack.size());
        UNSIGNED_LONGS_EQUAL(3, spare.size());
        machine.clear_flushes();
    }
    void teardown() override {
        UNSIGNED_LONGLONGS_EQUAL(0, machine.bad_frame_accesses);
        STRCMP_EQUAL("", machine.audit_problems().c_str());
    }
    Environment& create(uint64_t extra) {
        std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded + extra);
        Environment* environment = nullptr;
        CHECK_EQUAL(Error::Ok, exo::create_environment(machine.state, 0, elf, bytes, frames, "e",
                                                       environment));
        return *environment;
    }
    void make_essential(const std::vector<uint64_t>& frames) {
        for (uint64_t pfn : frames)
            machine.entry(pfn).flags |= frame_flag::kEssential;
    }
    bool owned_by_victim(uint64_t pfn) {
        return machine.entry(pfn).state == abi::FrameState::Owned &&
               machine.entry(pfn).owner == FakeMachine::slot(*victim);
    }
};

TEST(Revocation, ARequestIsPublishedInTheSharedPage) {
    abi::SharedInfo& info = machine.shared_info(*victim);
    exo::request_revocation(machine.state, *victim, 5, 1000);
    UNSIGNED_LONGLONGS_EQUAL(1, info.revocation.sequence);
    UNSIGNED_LONGLONGS_EQUAL(5, info.revocation.frames_requested);
    UNSIGNED_LONGLONGS_EQUAL(0, info.revocation.frames_returned);
    UNSIGNED_LONGLONGS_EQUAL(1000, info.revocation.deadline);
    UNSIGNED_LONGLONGS_EQUAL(abi::event::kRevocationRequested, info.events);
    UNSIGNED_LONGLONGS_EQUAL(5, victim->revocation_remaining);
    UNSIGNED_LONGLONGS_EQUAL(1000, victim->revocation_deadline);
    CHECK_FALSE(victim->revocation_upcall_pending); // no revocation entry registered
    // A second request replaces the first; with an entry point, an upcall is due.
    victim->entries[static_cast<size_t>(abi::Entry::Revocation)] = {0x10000, abi::kInitialStackTop};
    exo::note_frame_returned(machine.state, *victim);
    exo::request_revocation(machine.state, *victim, 2, 3000);
    UNSIGNED_LONGLONGS_EQUAL(2, info.revocation.sequence);
    UNSIGNED_LONGLONGS_EQUAL(2, info.revocation.frames_requested);
    UNSIGNED_LONGLONGS_EQUAL(0, info.revocation.frames_returned);
    UNSIGNED_LONGLONGS_EQUAL(3000, info.revocation.deadline);
    CHECK(victim->revocation_upcall_pending);
    UNSIGNED_LONGLONGS_EQUAL(3000, exo::next_revocation_deadline(machine.state));
    // The bystander heard nothing.
    UNSIGNED_LONGLONGS_EQUAL(0, machine.shared_info(*bystander).events);
    UNSIGNED_LONGLONGS_EQUAL(0, bystander->revocation_remaining);
}

TEST(Revocation, ReturnedFramesCountDown) {
    abi::SharedInfo& info = machine.shared_info(*victim);
    exo::request_revocation(machine.state, *victim, 2, 1000);
    exo::note_frame_returned(machine.state, *victim);
    UNSIGNED_LONGLONGS_EQUAL(1, victim->revocation_remaining);
    UNSIGNED_LONGLONGS_EQUAL(1, info.revocation.frames_returned);
    exo::note_frame_returned(machine.state, *victim);
    UNSIGNED_LONGLONGS_EQUAL(0, victim->revocation_remaining);
    UNSIGNED_LONGLONGS_EQUAL(2, info.revocation.frames_returned);
    // Frames freed beyond the request count for nothing, and never wrap the counter.
    exo::note_frame_returned(machine.state, *victim);
    UNSIGNED_LONGLONGS_EQUAL(0, victim->revocation_remaining);
    UNSIGNED_LONGLONGS_EQUAL(2, info.revocation.frames_returned);
    UNSIGNED_LONGLONGS_EQUAL(~uint64_t{0}, exo::next_revocation_deadline(machine.state));
    // Paid in full: the deadline passes without anything taken.
    exo::enforce_revocation_deadlines(machine.state, 5000);
    UNSIGNED_LONGLONGS_EQUAL(0, info.repossessed_total);
    for (uint64_t pfn : spare)
        CHECK(owned_by_victim(pfn));
}

TEST(Revocation, BeforeTheDeadlineNothingIsTaken) {
    exo::request_revocation(machine.state, *victim, 3, 1000);
    FakeMachine::Snapshot before = machine.snapshot();
    exo::enforce_revocation_deadlines(machine.state, 0);
    exo::enforce_revocation_deadlines(machine.state, 999);
    STRCMP_EQUAL("", machine.changes_since(before).c_str());
    UNSIGNED_LONGLONGS_EQUAL(3, victim->revocation_remaining);
    UNSIGNED_LONGLONGS_EQUAL(0,
                             machine.shared_info(*victim).events & abi::event::kFramesRepossessed);
}

TEST(Revocation, AtTheDeadlineTheRemainderIsTakenUnmappedFramesFirst) {
    make_essential(std::vector<uint64_t>(image_and_stack.begin() + 2, image_and_stack.end()));
    std::vector<uint64_t> mapped{image_and_stack[0], image_and_stack[1]};
    abi::SharedInfo& info = machine.shared_info(*victim);
    exo::request_revocation(machine.state, *victim, 5, 1000);
    exo::note_frame_returned(machine.state, *victim); // four remain
    exo::enforce_revocation_deadlines(machine.state, 1000);

    // The three unmapped spares in frame order, then the lower of the two mapped ones.
    std::vector<uint64_t> expected = spare;
    std::sort(expected.begin(), expected.end());
    expected.push_back(std::min(mapped[0], mapped[1]));
    uint64_t survivor = std::max(mapped[0], mapped[1]);
    UNSIGNED_LONGLONGS_EQUAL(4, info.repossessed_total);
    for (size_t i = 0; i < 4; ++i) {
        UNSIGNED_LONGLONGS_EQUAL(expected[i], info.repossessed[i]);
        CHECK(machine.entry(expected[i]).state == abi::FrameState::Free);
        UNSIGNED_LONGS_EQUAL(0, machine.map_count(expected[i]));
    }
    CHECK(info.events & abi::event::kFramesRepossessed);
    CHECK(info.events & abi::event::kRevocationRequested);
    UNSIGNED_LONGLONGS_EQUAL(0, victim->revocation_remaining);
    CHECK_FALSE(victim->revocation_upcall_pending);
    // The taken mapped frame's binding is broken and its page flushed; the other stays.
    uint64_t broken_va = 0;
    for (uint64_t va :
         {exo::test::kTextAddress, uint64_t{0x21000}, uint64_t{0x22000}, uint64_t{0x23000},
          kStackBottom, kStackBottom + kPage, kStackBottom + 2 * kPage, kStackBottom + 3 * kPage}) {
        uint64_t raw = machine.read_entry(*victim, va);
        if (raw == 0)
            broken_va = va;
        else
            CHECK(sv39::Entry{raw}.pfn() != expected[3]);
    }
    CHECK(broken_va != 0);
    std::vector<std::pair<uint64_t, uint16_t>> flushes{{broken_va, victim->space.asid}};
    CHECK(flushes == machine.page_flushes);
    CHECK(owned_by_victim(survivor));
    UNSIGNED_LONGS_EQUAL(1, machine.map_count(survivor));
    // Essential frames, tables, the root and the shared page are all still the victim's.
    for (size_t i = 2; i < image_and_stack.size(); ++i)
        CHECK(owned_by_victim(image_and_stack[i]));
    CHECK(owned_by_victim(victim->space.root_pfn));
    CHECK(owned_by_victim(victim->shared_info_pfn));
    // A second pass takes nothing more: the request is settled.
    exo::enforce_revocation_deadlines(machine.state, 5000);
    UNSIGNED_LONGLONGS_EQUAL(4, info.repossessed_total);
    // The bystander lost nothing.
    UNSIGNED_LONGLONGS_EQUAL(0, machine.shared_info(*bystander).repossessed_total);
}

TEST(Revocation, AfterTheDeadlineToo) {
    exo::request_revocation(machine.state, *victim, 2, 1000);
    exo::enforce_revocation_deadlines(machine.state, 123456);
    UNSIGNED_LONGLONGS_EQUAL(2, machine.shared_info(*victim).repossessed_total);
    UNSIGNED_LONGLONGS_EQUAL(0, victim->revocation_remaining);
}

TEST(Revocation, NeverEssentialTablesSharedPageOrPinnedFrames) {
    make_essential(image_and_stack);
    uint64_t reserve = machine.donate(*victim);
    CHECK_EQUAL(Error::Ok, machine.state.frames.pin(spare[0]));
    abi::SharedInfo& info = machine.shared_info(*victim);
    uint64_t owned_before = 0;
    for (uint64_t pfn = machine.first_usable(); pfn < machine.end_pfn(); ++pfn)
        owned_before += owned_by_victim(pfn);
    exo::request_revocation(machine.state, *victim, 100, 10);
    exo::enforce_revocation_deadlines(machine.state, 10);
    // Only the two unpinned spares were takeable.
    UNSIGNED_LONGLONGS_EQUAL(2, info.repossessed_total);
    std::set<uint64_t> taken{info.repossessed[0], info.repossessed[1]};
    CHECK(taken == (std::set<uint64_t>{spare[1], spare[2]}));
    uint64_t owned_after = 0;
    for (uint64_t pfn = machine.first_usable(); pfn < machine.end_pfn(); ++pfn)
        owned_after += owned_by_victim(pfn);
    UNSIGNED_LONGLONGS_EQUAL(owned_before - 2, owned_after);
    CHECK(owned_by_victim(reserve));
    CHECK(owned_by_victim(spare[0]));
    UNSIGNED_LONGS_EQUAL(1, machine.entry(spare[0]).pin_count);
    UNSIGNED_LONGLONGS_EQUAL(0, victim->revocation_remaining); // the rest is forgiven
    // The address space still works: the shared page and the stack are there.
    CHECK(machine.read_entry(*victim, abi::kSharedInfoAddress) != 0);
    CHECK(machine.read_entry(*victim, kStackBottom) != 0);
}

TEST(Revocation, RepossessionUnmapsGrantees) {
    make_essential(image_and_stack);
    make_essential({spare[1], spare[2]});
    uint64_t shared = spare[0]; // the only takeable frame, mapped by the grantee alone
    EnvironmentSlot bystander_slot = FakeMachine::slot(*bystander);
    machine.donate(*bystander);
    machine.donate(*bystander);
    CHECK_EQUAL(Error::Ok,
                machine.state.grants.add(shared, FakeMachine::slot(*victim), bystander_slot, kRW));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, bystander->space, kFreeVa, shared, 1, kRW));
    CHECK_EQUAL(Error::Ok,
                address_space::map(memory, bystander->space, kFreeVa + kPage, shared, 1, kRW));
    machine.clear_flushes();

    UNSIGNED_LONGLONGS_EQUAL(1, exo::repossess(machine.state, *victim, 1));
    abi::SharedInfo& info = machine.shared_info(*victim);
    UNSIGNED_LONGLONGS_EQUAL(shared, info.repossessed[0]);
    CHECK(machine.entry(shared).state == abi::FrameState::Free);
    UNSIGNED_LONGS_EQUAL(0, machine.map_count(shared));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*bystander, kFreeVa));
    UNSIGNED_LONGLONGS_EQUAL(0, machine.read_entry(*bystander, kFreeVa + kPage));
    POINTERS_EQUAL(nullptr, machine.state.grants.find(shared, bystander_slot));
    std::vector<std::pair<uint64_t, uint16_t>> flushes{{kFreeVa, bystander->space.asid},
                                                       {kFreeVa + kPage, bystander->space.asid}};
    CHECK(flushes == machine.page_flushes);
    // The grantee cannot map it again, even after someone else allocates it.
    CHECK_EQUAL(Error::Ok, machine.state.frames.allocate(shared, FakeMachine::slot(*victim)));
    CHECK_EQUAL(Error::NotOwner,
                address_space::map(memory, bystander->space, kFreeVa, shared, 1, kRW));
    machine.state.frames.release(shared);
    // Nothing else is takeable now.
    UNSIGNED_LONGLONGS_EQUAL(0, exo::repossess(machine.state, *victim, 10));
    UNSIGNED_LONGLONGS_EQUAL(1, info.repossessed_total);
}

TEST(Revocation, TheRepossessionVectorWraps) {
    make_essential(image_and_stack);
    std::vector<uint64_t> extra;
    for (int i = 0; i < 70; ++i)
        extra.push_back(machine.allocate(*victim));
    std::vector<uint64_t> takeable = spare;
    takeable.insert(takeable.end(), extra.begin(), extra.end());
    std::sort(takeable.begin(), takeable.end());
    exo::request_revocation(machine.state, *victim, 73, 1);
    exo::enforce_revocation_deadlines(machine.state, 1);
    abi::SharedInfo& info = machine.shared_info(*victim);
    UNSIGNED_LONGLONGS_EQUAL(73, info.repossessed_total);
    for (uint64_t n = 0; n < 73; ++n) {
        if (n + abi::kRepossessionSlots < 73) continue; // overwritten by a later one
        UNSIGNED_LONGLONGS_EQUAL(takeable[n], info.repossessed[n % abi::kRepossessionSlots]);
    }
    for (uint64_t pfn : takeable)
        CHECK(machine.entry(pfn).state == abi::FrameState::Free);
}

TEST(Revocation, EachEnvironmentHasItsOwnDeadline) {
    exo::request_revocation(machine.state, *victim, 1, 100);
    exo::request_revocation(machine.state, *bystander, 1, 200);
    UNSIGNED_LONGLONGS_EQUAL(100, exo::next_revocation_deadline(machine.state));
    exo::enforce_revocation_deadlines(machine.state, 150);
    UNSIGNED_LONGLONGS_EQUAL(1, machine.shared_info(*victim).repossessed_total);
    UNSIGNED_LONGLONGS_EQUAL(0, machine.shared_info(*bystander).repossessed_total);
    UNSIGNED_LONGLONGS_EQUAL(1, bystander->revocation_remaining);
    UNSIGNED_LONGLONGS_EQUAL(200, exo::next_revocation_deadline(machine.state));
    exo::enforce_revocation_deadlines(machine.state, 200);
    UNSIGNED_LONGLONGS_EQUAL(1, machine.shared_info(*bystander).repossessed_total);
}
