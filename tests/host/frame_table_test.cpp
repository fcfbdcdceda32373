// Host tests for kernel/frame_table: named and any-frame allocation, per-state counts, the free
// and map checks, pins, and FrameQuery's packing. The hostile group tries every refusal.
#include <cstdint>
#include <optional>
#include <vector>

#include "fake_machine.h"

using abi::Error;
using abi::FrameState;
using exo::EnvironmentSlot;
using exo::FrameEntry;
using exo::FrameTable;
using exo::test::FakeMachine;
namespace frame_flag = exo::frame_flag;

namespace {

constexpr EnvironmentSlot kOwner = 3;
constexpr EnvironmentSlot kOther = 4;

// The five state counts always add up to the number of frames, and match a recount.
void check_counts(const FrameTable& frames) {
    uint64_t recount[5] = {};
    for (uint64_t i = 0; i < frames.frame_count(); ++i) {
        ++recount[static_cast<size_t>(
            static_cast<FrameState>(frames.find(frames.first_pfn() + i)->state))];
    }
    uint64_t total = 0;
    for (size_t state = 0; state < 5; ++state) {
        UNSIGNED_LONGLONGS_EQUAL(recount[state], frames.count(static_cast<FrameState>(state)));
        total += frames.count(static_cast<FrameState>(state));
    }
    UNSIGNED_LONGLONGS_EQUAL(frames.frame_count(), total);
}

} // namespace

TEST_GROUP(FrameTable) {
    FakeMachine machine;
    FrameTable& frames = machine.state.frames;
    uint64_t first = machine.first_usable();
};

TEST(FrameTable, BootClassificationAndCounts) {
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kDefaultFrames, frames.frame_count());
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kFirstPfn, frames.first_pfn());
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kKernelFrames, frames.count(FrameState::Kernel));
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kReservedFrames, frames.count(FrameState::Reserved));
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kDeviceFrames, frames.count(FrameState::Device));
    UNSIGNED_LONGLONGS_EQUAL(0, frames.count(FrameState::Owned));
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kDefaultFrames - 9, frames.count(FrameState::Free));
    CHECK(frames.find(machine.kernel_pfn())->state == FrameState::Kernel);
    CHECK(frames.find(machine.reserved_pfn())->state == FrameState::Reserved);
    CHECK(frames.find(machine.device_pfn())->state == FrameState::Device);
    CHECK(frames.find(first)->state == FrameState::Free);
    check_counts(frames);
}

TEST(FrameTable, InitForgetsWhateverTheEntriesHeld) {
    std::vector<FrameEntry> entries(8, FrameEntry{FrameState::Owned, 0xff, 7, 9, 9});
    std::vector<uint32_t> free_index(8 * FrameTable::kFreeIndexWordsPerFrame, 0xdeadbeef);
    FrameTable table;
    table.init(entries, free_index, 0x1000);
    UNSIGNED_LONGLONGS_EQUAL(0, table.zeroed_free_count()); // nothing is known to be zero yet
    UNSIGNED_LONGLONGS_EQUAL(8, table.unzeroed_free_count());
    UNSIGNED_LONGLONGS_EQUAL(8, table.count(FrameState::Free));
    UNSIGNED_LONGLONGS_EQUAL(0, table.count(FrameState::Owned));
    for (const FrameEntry& entry : entries) {
        CHECK(entry.state == FrameState::Free);
        UNSIGNED_LONGS_EQUAL(0, entry.flags);
        UNSIGNED_LONGS_EQUAL(exo::kNoEnvironment, entry.owner);
        UNSIGNED_LONGS_EQUAL(0, entry.map_count);
        UNSIGNED_LONGS_EQUAL(0, entry.pin_count);
    }
    CHECK(table.contains(0x1000));
    CHECK(table.contains(0x1007));
    CHECK_FALSE(table.contains(0x1008));
    CHECK_FALSE(table.contains(0xfff)); // below the first frame: the subtraction wraps
}

TEST(FrameTable, NamedAllocateGivesThatFrameToTheOwner) {
    uint64_t pfn = first + 17;
    CHECK_EQUAL(Error::Ok, frames.allocate(pfn, kOwner));
    const FrameEntry& entry = *frames.find(pfn);
    CHECK(entry.state == FrameState::Owned);
    UNSIGNED_LONGS_EQUAL(kOwner, entry.owner);
    UNSIGNED_LONGS_EQUAL(0, entry.flags);
    UNSIGNED_LONGLONGS_EQUAL(1, frames.count(FrameState::Owned));
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kDefaultFrames - 10, frames.count(FrameState::Free));
    // Its neighbours are untouched.
    CHECK(frames.find(pfn - 1)->state == FrameState::Free);
    CHECK(frames.find(pfn + 1)->state == FrameState::Free);
    check_counts(frames);
}

TEST(FrameTable, AllocateAnyGoesUpFromTheBottomThenTakesTheLastFreed) {
    std::optional<uint64_t> a = frames.allocate_any(kOwner);
    std::optional<uint64_t> b = frames.allocate_any(kOwner);
    CHECK(a.has_value() && b.has_value());
    UNSIGNED_LONGLONGS_EQUAL(first, *a); // system frames at the bottom are skipped
    UNSIGNED_LONGLONGS_EQUAL(first + 1, *b);
    // With no frame known to be zero, the frame freed last goes out first.
    frames.release(*a);
    std::optional<uint64_t> c = frames.allocate_any(kOther);
    UNSIGNED_LONGLONGS_EQUAL(*a, *c);
    UNSIGNED_LONGS_EQUAL(kOther, frames.find(*c)->owner);
    uint64_t handed_out = 0;
    std::optional<uint64_t> last;
    while (std::optional<uint64_t> next = frames.allocate_any(kOwner)) {
        last = next;
        ++handed_out;
    }
    // Everything from first + 2 up, the top frame last.
    UNSIGNED_LONGLONGS_EQUAL(machine.end_pfn() - (first + 2), handed_out);
    UNSIGNED_LONGLONGS_EQUAL(machine.end_pfn() - 1, *last);
    UNSIGNED_LONGLONGS_EQUAL(0, frames.count(FrameState::Free));
    CHECK_FALSE(frames.take_free(kOwner).has_value());
    check_counts(frames);
}

TEST(FrameTable, AllocateAnySkipsTakenFrames) {
    CHECK_EQUAL(Error::Ok, frames.allocate(first, kOther));
    CHECK_EQUAL(Error::Ok, frames.allocate(first + 1, kOther));
    CHECK_EQUAL(Error::Ok, frames.allocate(first + 3, kOther));
    UNSIGNED_LONGLONGS_EQUAL(first + 2, *frames.allocate_any(kOwner));
    UNSIGNED_LONGLONGS_EQUAL(first + 4, *frames.allocate_any(kOwner));
    UNSIGNED_LONGS_EQUAL(kOther, frames.find(first + 3)->owner);
    check_counts(frames);
}

TEST(FrameTable, CountsStayRightThroughTransitions) {
    std::vector<uint64_t> taken;
    for (int i = 0; i < 50; ++i)
        taken.push_back(*frames.allocate_any(kOwner));
    check_counts(frames);
    for (size_t i = 0; i < taken.size(); i += 2)
        frames.release(taken[i]);
    check_counts(frames);
    UNSIGNED_LONGLONGS_EQUAL(25, frames.count(FrameState::Owned));
    frames.set_system_state(taken[0], FrameState::Device); // freed, so it may be classified
    frames.set_system_state(taken[1], FrameState::Kernel); // owned: ignored
    CHECK(frames.find(taken[0])->state == FrameState::Device);
    CHECK(frames.find(taken[1])->state == FrameState::Owned);
    check_counts(frames);
}

TEST(FrameTable, ReleaseClearsEverythingBound) {
    uint64_t pfn = *frames.allocate_any(kOwner);
    FrameEntry& entry = *frames.find(pfn);
    entry.flags = frame_flag::kPageTable | frame_flag::kEssential;
    entry.map_count = 3;
    entry.pin_count = 2;
    frames.release(pfn);
    CHECK(entry.state == FrameState::Free);
    UNSIGNED_LONGS_EQUAL(0, entry.flags);
    UNSIGNED_LONGS_EQUAL(exo::kNoEnvironment, entry.owner);
    UNSIGNED_LONGS_EQUAL(0, entry.map_count);
    UNSIGNED_LONGS_EQUAL(0, entry.pin_count);
    check_counts(frames);
    // A released frame can be allocated by someone else, with nothing left over.
    CHECK_EQUAL(Error::Ok, frames.allocate(pfn, kOther));
    UNSIGNED_LONGS_EQUAL(0, frames.find(pfn)->flags);
}

TEST(FrameTable, FreeAndMapChecksPassForAPlainOwnedFrame) {
    uint64_t pfn = *frames.allocate_any(kOwner);
    CHECK_EQUAL(Error::Ok, frames.check_freeable(pfn, kOwner));
    CHECK_EQUAL(Error::Ok, frames.check_mappable_by_owner(pfn, kOwner));
    // Essential frames stay the owner's to free and map: only repossession skips them.
    frames.find(pfn)->flags = frame_flag::kEssential;
    CHECK_EQUAL(Error::Ok, frames.check_freeable(pfn, kOwner));
    CHECK_EQUAL(Error::Ok, frames.check_mappable_by_owner(pfn, kOwner));
    // The checks change nothing.
    UNSIGNED_LONGS_EQUAL(frame_flag::kEssential, frames.find(pfn)->flags);
    UNSIGNED_LONGS_EQUAL(0, frames.find(pfn)->map_count);
}

TEST(FrameTable, PinAndUnpinCount) {
    uint64_t pfn = *frames.allocate_any(kOwner);
    CHECK_EQUAL(Error::Ok, frames.pin(pfn));
    CHECK_EQUAL(Error::Ok, frames.pin(pfn));
    UNSIGNED_LONGS_EQUAL(2, frames.find(pfn)->pin_count);
    CHECK_EQUAL(Error::FrameInUse, frames.check_freeable(pfn, kOwner));
    CHECK_EQUAL(Error::Ok, frames.unpin(pfn));
    CHECK_EQUAL(Error::Ok, frames.unpin(pfn));
    UNSIGNED_LONGS_EQUAL(0, frames.find(pfn)->pin_count);
    CHECK_EQUAL(Error::Ok, frames.check_freeable(pfn, kOwner));
}

TEST(FrameTable, TransferChangesOnlyTheOwner) {
    uint64_t pfn = *frames.allocate_any(kOwner);
    frames.find(pfn)->map_count = 2;
    frames.transfer(pfn, kOther);
    UNSIGNED_LONGS_EQUAL(kOther, frames.find(pfn)->owner);
    UNSIGNED_LONGS_EQUAL(2, frames.find(pfn)->map_count);
    CHECK(frames.find(pfn)->state == FrameState::Owned);
    frames.transfer(machine.end_pfn(), kOther); // outside RAM: ignored, no crash
    check_counts(frames);
}

TEST(FrameTable, QueryRoundTripsThroughTheAbiHelpers) {
    uint64_t pfn = *frames.allocate_any(kOwner);
    FrameEntry& entry = *frames.find(pfn);
    entry.map_count = 3;
    entry.pin_count = 2;
    entry.flags = frame_flag::kPageTable | frame_flag::kEssential;
    uint64_t info = frames.query(pfn);
    CHECK(abi::frame_info_state(info) == FrameState::Owned);
    UNSIGNED_LONGLONGS_EQUAL(3, abi::frame_info_map_count(info));
    UNSIGNED_LONGLONGS_EQUAL(2, abi::frame_info_pin_count(info));
    CHECK(abi::frame_info_page_table(info));
    CHECK(abi::frame_info_essential(info));
    UNSIGNED_LONGLONGS_EQUAL(kOwner, abi::frame_info_owner_slot(info));

    // Every field at its maximum: none bleeds into its neighbour.
    entry.map_count = 0xffff;
    entry.pin_count = 0xffff;
    entry.flags = frame_flag::kTableReserve | frame_flag::kSharedInfo; // neither is reported
    entry.owner = 63;
    info = frames.query(pfn);
    CHECK(abi::frame_info_state(info) == FrameState::Owned);
    UNSIGNED_LONGLONGS_EQUAL(0xffff, abi::frame_info_map_count(info));
    UNSIGNED_LONGLONGS_EQUAL(0xffff, abi::frame_info_pin_count(info));
    CHECK_FALSE(abi::frame_info_page_table(info));
    CHECK_FALSE(abi::frame_info_essential(info));
    UNSIGNED_LONGLONGS_EQUAL(63, abi::frame_info_owner_slot(info));
    UNSIGNED_LONGLONGS_EQUAL(
        abi::make_frame_info(FrameState::Owned, 0xffff, 0xffff, false, false, 63), info);

    uint64_t free_info = frames.query(first + 100);
    CHECK(abi::frame_info_state(free_info) == FrameState::Free);
    UNSIGNED_LONGLONGS_EQUAL(0xffff, abi::frame_info_owner_slot(free_info));
    UNSIGNED_LONGLONGS_EQUAL(0, abi::frame_info_map_count(free_info));
    CHECK(abi::frame_info_state(frames.query(machine.kernel_pfn())) == FrameState::Kernel);
    CHECK(abi::frame_info_state(frames.query(machine.device_pfn())) == FrameState::Device);
}

TEST_GROUP(FrameTableHostile) {
    FakeMachine machine;
    FrameTable& frames = machine.state.frames;
    uint64_t first = machine.first_usable();
    uint64_t owned = 0;
    void setup() override {
        owned = *frames.allocate_any(kOwner);
    }
    // Frames that are not RAM, or that are just past either end of it.
    std::vector<uint64_t> outside() {
        return {0,
                FakeMachine::kFirstPfn - 1,
                machine.end_pfn(),
                machine.end_pfn() + 1,
                uint64_t{1} << 44,
                ~uint64_t{0}};
    }
};

TEST(FrameTableHostile, FreeOfAnotherOwnersFrameIsRefused) {
    CHECK_EQUAL(Error::NotOwner, frames.check_freeable(owned, kOther));
    CHECK_EQUAL(Error::NotOwner, frames.check_freeable(owned, exo::kNoEnvironment));
    CHECK_EQUAL(Error::NotOwner, frames.check_freeable(first + 50, kOwner)); // a free frame
    // A Free frame's owner field is kNoEnvironment: that value must not pass for an owner.
    CHECK_EQUAL(Error::NotOwner, frames.check_freeable(first + 50, exo::kNoEnvironment));
}

TEST(FrameTableHostile, FreeOfAMappedOrPinnedFrameIsRefused) {
    frames.find(owned)->map_count = 1;
    CHECK_EQUAL(Error::FrameInUse, frames.check_freeable(owned, kOwner));
    frames.find(owned)->map_count = 0;
    CHECK_EQUAL(Error::Ok, frames.pin(owned));
    CHECK_EQUAL(Error::FrameInUse, frames.check_freeable(owned, kOwner));
}

TEST(FrameTableHostile, FreeOfAKernelBoundFrameIsRefused) {
    for (uint8_t flag :
         {frame_flag::kPageTable, frame_flag::kTableReserve, frame_flag::kSharedInfo}) {
        frames.find(owned)->flags = flag;
        CHECK_EQUAL(Error::FrameInUse, frames.check_freeable(owned, kOwner));
        CHECK_EQUAL(Error::FrameInUse, frames.check_mappable_by_owner(owned, kOwner));
        // Another environment learns only that the frame is not its own.
        CHECK_EQUAL(Error::NotOwner, frames.check_freeable(owned, kOther));
        CHECK_EQUAL(Error::NotOwner, frames.check_mappable_by_owner(owned, kOther));
    }
}

TEST(FrameTableHostile, FreeTwiceIsRefusedTheSecondTime) {
    CHECK_EQUAL(Error::Ok, frames.check_freeable(owned, kOwner));
    frames.release(owned);
    CHECK_EQUAL(Error::NotOwner, frames.check_freeable(owned, kOwner));
    UNSIGNED_LONGLONGS_EQUAL(0, frames.count(FrameState::Owned));
    check_counts(frames);
}

TEST(FrameTableHostile, SystemFramesAreNeverAllocatedFreedOrMapped) {
    uint64_t free_before = frames.count(FrameState::Free);
    for (uint64_t pfn : {machine.kernel_pfn(), machine.reserved_pfn(), machine.device_pfn()}) {
        FrameState state = frames.find(pfn)->state;
        CHECK_EQUAL(Error::FrameNotFree, frames.allocate(pfn, kOwner));
        CHECK_EQUAL(Error::NotOwner, frames.check_freeable(pfn, kOwner));
        CHECK_EQUAL(Error::NotOwner, frames.check_freeable(pfn, exo::kNoEnvironment));
        CHECK_EQUAL(Error::NotOwner, frames.check_mappable_by_owner(pfn, kOwner));
        CHECK_EQUAL(Error::NotOwner, frames.check_mappable_by_owner(pfn, exo::kNoEnvironment));
        CHECK_EQUAL(Error::NotOwner, frames.pin(pfn));
        CHECK(frames.find(pfn)->state == state);
    }
    UNSIGNED_LONGLONGS_EQUAL(free_before, frames.count(FrameState::Free));
    check_counts(frames);
}

TEST(FrameTableHostile, FramesOutsideRamAreRefusedEverywhere) {
    for (uint64_t pfn : outside()) {
        CHECK(frames.find(pfn) == nullptr);
        CHECK_EQUAL(Error::OutOfRange, frames.allocate(pfn, kOwner));
        CHECK_EQUAL(Error::OutOfRange, frames.check_freeable(pfn, kOwner));
        CHECK_EQUAL(Error::NotOwner, frames.check_mappable_by_owner(pfn, kOwner));
        CHECK_EQUAL(Error::NotOwner, frames.pin(pfn));
        CHECK_EQUAL(Error::InvalidArgument, frames.unpin(pfn));
        // Holes answer as reserved, owned by nobody.
        uint64_t info = frames.query(pfn);
        CHECK(abi::frame_info_state(info) == FrameState::Reserved);
        UNSIGNED_LONGLONGS_EQUAL(0xffff, abi::frame_info_owner_slot(info));
        frames.set_system_state(pfn, FrameState::Kernel); // ignored, no crash
        frames.release(pfn);                              // ignored, no crash
    }
    check_counts(frames);
}

TEST(FrameTableHostile, NamedAllocateOfATakenFrameChangesNothing) {
    frames.find(owned)->map_count = 1;
    frames.find(owned)->flags = frame_flag::kEssential;
    CHECK_EQUAL(Error::FrameNotFree, frames.allocate(owned, kOther));
    CHECK_EQUAL(Error::FrameNotFree, frames.allocate(owned, kOwner)); // not even by its owner
    UNSIGNED_LONGS_EQUAL(kOwner, frames.find(owned)->owner);
    UNSIGNED_LONGS_EQUAL(frame_flag::kEssential, frames.find(owned)->flags);
    UNSIGNED_LONGS_EQUAL(1, frames.find(owned)->map_count);
    UNSIGNED_LONGLONGS_EQUAL(1, frames.count(FrameState::Owned));
}

TEST(FrameTableHostile, AllocateAnyOnAFullTableFailsCleanly) {
    while (frames.allocate_any(kOther)) {
    }
    uint64_t owned_count = frames.count(FrameState::Owned);
    CHECK_FALSE(frames.allocate_any(kOwner).has_value());
    CHECK_FALSE(frames.allocate_any(kOwner).has_value());
    UNSIGNED_LONGLONGS_EQUAL(owned_count, frames.count(FrameState::Owned));
    UNSIGNED_LONGLONGS_EQUAL(0, frames.count(FrameState::Free));
    check_counts(frames);
    // One freed frame is found, wherever it is.
    frames.release(first + 200);
    UNSIGNED_LONGLONGS_EQUAL(first + 200, *frames.allocate_any(kOwner));
}

TEST(FrameTableHostile, MapCountAtItsLimitRefusesAnotherMapping) {
    frames.find(owned)->map_count = FrameTable::kMaxCount;
    CHECK_EQUAL(Error::TooMany, frames.check_mappable_by_owner(owned, kOwner));
    frames.find(owned)->map_count = FrameTable::kMaxCount - 1;
    CHECK_EQUAL(Error::Ok, frames.check_mappable_by_owner(owned, kOwner));
}

TEST(FrameTableHostile, UnpinBelowZeroIsRefused) {
    CHECK_EQUAL(Error::InvalidArgument, frames.unpin(owned));
    UNSIGNED_LONGS_EQUAL(0, frames.find(owned)->pin_count); // no wrap to 0xffff
    CHECK_EQUAL(Error::Ok, frames.pin(owned));
    CHECK_EQUAL(Error::Ok, frames.unpin(owned));
    CHECK_EQUAL(Error::InvalidArgument, frames.unpin(owned));
    UNSIGNED_LONGS_EQUAL(0, frames.find(owned)->pin_count);
    CHECK_EQUAL(Error::InvalidArgument, frames.unpin(first + 60)); // a free frame
}

TEST(FrameTableHostile, PinAboveTheLimitIsRefused) {
    frames.find(owned)->pin_count = FrameTable::kMaxCount - 1;
    CHECK_EQUAL(Error::Ok, frames.pin(owned));
    CHECK_EQUAL(Error::TooMany, frames.pin(owned));
    UNSIGNED_LONGS_EQUAL(FrameTable::kMaxCount, frames.find(owned)->pin_count); // no wrap to 0
    CHECK_EQUAL(Error::NotOwner, frames.pin(first + 60)); // a free frame cannot be pinned
}

TEST(FrameTableHostile, SetSystemStateOnlyClassifiesFreeFrames) {
    frames.set_system_state(owned, FrameState::Reserved);
    CHECK(frames.find(owned)->state == FrameState::Owned);
    UNSIGNED_LONGS_EQUAL(kOwner, frames.find(owned)->owner);
    frames.set_system_state(machine.kernel_pfn(), FrameState::Free); // Kernel stays Kernel
    CHECK(frames.find(machine.kernel_pfn())->state == FrameState::Kernel);
    check_counts(frames);
}

// ---- The entry as one word, which the FrameFree and Map fast paths compare in one go ----

TEST(FrameTable, TheEntryWordHoldsEachFieldWhereTheFastChecksLook) {
    FrameEntry entry(FrameState::Owned, frame_flag::kEssential, 0x1234, 0x5678, 0x9abc);
    uint64_t word = exo::frame_word::load(entry);
    UNSIGNED_LONGLONGS_EQUAL(frame_flag::kEssential, word & 0xff);
    UNSIGNED_LONGLONGS_EQUAL(static_cast<uint64_t>(FrameState::Owned), (word >> 8) & 0xff);
    UNSIGNED_LONGLONGS_EQUAL(0x1234, (word >> 16) & 0xffff);
    UNSIGNED_LONGLONGS_EQUAL(0x9abc, (word >> 32) & 0xffff); // pins
    UNSIGNED_LONGLONGS_EQUAL(0x5678, word >> 48);            // mappings
    // A plain owned frame, unpinned and unmapped, is exactly owned_by() once essential is masked.
    FrameEntry plain(FrameState::Owned, frame_flag::kEssential, kOwner, 0, 0);
    UNSIGNED_LONGLONGS_EQUAL(exo::frame_word::owned_by(kOwner),
                             exo::frame_word::load(plain) & exo::frame_word::kFreeCheckMask);
    // Any other flag, state, owner, pin or mapping makes the compare fail.
    const FrameEntry others[] = {
        {FrameState::Owned, frame_flag::kPageTable, kOwner, 0, 0},
        {FrameState::Owned, frame_flag::kTableReserve, kOwner, 0, 0},
        {FrameState::Owned, frame_flag::kSharedInfo, kOwner, 0, 0},
        {FrameState::Owned, frame_flag::kMark, kOwner, 0, 0},
        {FrameState::Free, 0, kOwner, 0, 0},
        {FrameState::Owned, 0, kOther, 0, 0},
        {FrameState::Owned, 0, kOwner, 1, 0},
        {FrameState::Owned, 0, kOwner, 0, 1},
    };
    for (const FrameEntry& other : others) {
        CHECK(exo::frame_word::owned_by(kOwner) !=
              (exo::frame_word::load(other) & exo::frame_word::kFreeCheckMask));
    }
}

TEST(FrameTable, FreeCheckOfEveryFieldCombinationMatchesTheFieldByFieldRule) {
    uint64_t pfn = first + 5;
    CHECK_EQUAL(Error::Ok, frames.allocate(pfn, kOwner));
    for (unsigned flags = 0; flags < 256; flags += 1) {
        for (uint16_t maps : {0, 1, 0xffff}) {
            for (uint16_t pins : {0, 1}) {
                for (EnvironmentSlot owner : {kOwner, kOther}) {
                    *frames.find(pfn) = FrameEntry(FrameState::Owned, static_cast<uint8_t>(flags),
                                                   owner, maps, pins);
                    Error want = owner != kOwner ? Error::NotOwner
                                 : (maps || pins || (flags & frame_flag::kKernelBound))
                                     ? Error::FrameInUse
                                     : Error::Ok;
                    CHECK_EQUAL(want, frames.check_freeable(pfn, kOwner));
                }
            }
        }
    }
    *frames.find(pfn) = FrameEntry(FrameState::Owned, 0, kOwner, 0, 0);
}

// ---- The free index: two stacks, known-zero frames first ----

TEST(FrameTable, KnownZeroFramesGoOutLastZeroedFirstThenTheLastFreed) {
    std::vector<uint64_t> taken;
    for (int i = 0; i < 6; ++i) taken.push_back(*frames.allocate_any(kOwner));
    for (uint64_t pfn : taken) frames.release(pfn); // taken[5] is on top of the unzeroed stack
    // Idle zeroing takes the frame freed last, then the one before.
    UNSIGNED_LONGLONGS_EQUAL(taken[5], *frames.next_to_zero());
    frames.mark_zeroed(taken[5]);
    UNSIGNED_LONGLONGS_EQUAL(taken[4], *frames.next_to_zero());
    // Out of order: a frame from the middle of the unzeroed stack.
    frames.mark_zeroed(taken[1]);
    UNSIGNED_LONGLONGS_EQUAL(2, frames.zeroed_free_count());
    CHECK(frames.known_zero(taken[5]) && frames.known_zero(taken[1]));
    CHECK_FALSE(frames.known_zero(taken[4]));
    check_counts(frames);
    // Zeroed frames first, the one zeroed last on top...
    std::optional<exo::FrameAllocation> a = frames.take_free(kOwner);
    std::optional<exo::FrameAllocation> b = frames.take_free(kOwner);
    CHECK(a && a->zeroed && a->pfn == taken[1]);
    CHECK(b && b->zeroed && b->pfn == taken[5]);
    // ...then the top of the unzeroed stack. taken[4] was on top, but it moved down into the
    // place taken[1] left, so taken[3] is on top now.
    std::optional<exo::FrameAllocation> c = frames.take_free(kOwner);
    CHECK(c && !c->zeroed && c->pfn == taken[3]);
    check_counts(frames);
}

TEST(FrameTable, NamedAllocationTakesFramesFromTheMiddleOfEitherStack) {
    std::vector<uint64_t> taken;
    for (int i = 0; i < 8; ++i) taken.push_back(*frames.allocate_any(kOwner));
    for (uint64_t pfn : taken) frames.release(pfn);
    for (int i = 0; i < 4; ++i) frames.mark_zeroed(*frames.next_to_zero()); // taken[7..4] zeroed
    bool zeroed = false;
    CHECK_EQUAL(Error::Ok,
                frames.allocate(taken[6], kOther, &zeroed)); // middle of the zeroed stack
    CHECK(zeroed);
    CHECK_EQUAL(Error::Ok,
                frames.allocate(taken[2], kOther, &zeroed)); // middle of the unzeroed one
    CHECK_FALSE(zeroed);
    UNSIGNED_LONGLONGS_EQUAL(3, frames.zeroed_free_count());
    check_counts(frames);
    // Every other frame is still handed out exactly once, the known-zero ones first.
    std::vector<uint64_t> rest;
    while (std::optional<exo::FrameAllocation> next = frames.take_free(kOwner)) {
        CHECK(next->pfn != taken[6] && next->pfn != taken[2]);
        CHECK_EQUAL(rest.size() < 3, next->zeroed);
        for (uint64_t seen : rest) CHECK(seen != next->pfn);
        rest.push_back(next->pfn);
    }
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kDefaultFrames - 9 - 2, rest.size());
    check_counts(frames);
}
