// Host tests for kernel/frame_zeroing and the frame table's free index: a frame handed out is
// always zero, whichever path it took (known zero, zeroed on the spot, named or any); frames are
// known zero only after zeroing; idle zeroing stops when asked.
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "memory/frame_zeroing.h"

#include "fake_machine.h"

using abi::Error;
using abi::FrameState;
using exo::EnvironmentSlot;
using exo::FrameTable;
using exo::test::FakeMachine;
using exo::test::kPage;
namespace frame_zeroing = exo::frame_zeroing;

namespace {

constexpr EnvironmentSlot kOwner = 3;

bool all_zero(FakeMachine& machine, uint64_t pfn) {
    const std::byte* bytes = machine.frame(pfn);
    for (uint64_t i = 0; i < kPage; ++i) {
        if (bytes[i] != std::byte{0}) return false;
    }
    return true;
}

void scribble(FakeMachine& machine, uint64_t pfn, uint8_t value) {
    std::byte* bytes = machine.frame(pfn);
    for (uint64_t i = 0; i < kPage; i += 97) bytes[i] = std::byte{value};
    bytes[kPage - 1] = std::byte{value};
}

uint64_t never_stop_count = 0;
bool never_stop() {
    ++never_stop_count;
    return false;
}

} // namespace

TEST_GROUP(FrameZeroing) {
    FakeMachine machine;
    FrameTable& frames = machine.state.frames;
    uint64_t first = machine.first_usable();

    // Every free frame the table calls zero really is, and the two groups add up.
    void check_index() {
        uint64_t known = 0;
        for (uint64_t pfn = frames.first_pfn(); pfn < machine.end_pfn(); ++pfn) {
            if (!frames.known_zero(pfn)) continue;
            ++known;
            CHECK(frames.find(pfn)->state == FrameState::Free);
            CHECK(all_zero(machine, pfn));
        }
        UNSIGNED_LONGLONGS_EQUAL(known, frames.zeroed_free_count());
        UNSIGNED_LONGLONGS_EQUAL(frames.count(FrameState::Free),
                                 frames.zeroed_free_count() + frames.unzeroed_free_count());
    }
    uint64_t zero_some(uint64_t count) {
        uint64_t asked = 0;
        return frame_zeroing::zero_free_frames(frames, machine, [&] { return asked++ == count; });
    }
};

TEST(FrameZeroing, NothingIsKnownZeroAtBootSoAllocationZeroes) {
    UNSIGNED_LONGLONGS_EQUAL(0, frames.zeroed_free_count());
    CHECK_FALSE(all_zero(machine, first)); // RAM starts as 0xa5
    std::optional<uint64_t> pfn = frame_zeroing::allocate_any(frames, machine, kOwner);
    CHECK(pfn.has_value());
    CHECK(all_zero(machine, *pfn));
    UNSIGNED_LONGS_EQUAL(kOwner, frames.find(*pfn)->owner);
    CHECK_FALSE(all_zero(machine, first + 1)); // only the frame handed out was zeroed
    check_index();
}

TEST(FrameZeroing, IdleZeroingMakesFramesKnownZeroAndStopsWhenAsked) {
    UNSIGNED_LONGLONGS_EQUAL(3, zero_some(3));
    UNSIGNED_LONGLONGS_EQUAL(3, frames.zeroed_free_count());
    check_index();
    // Asked before every frame: a stop already due zeroes nothing.
    UNSIGNED_LONGLONGS_EQUAL(0, zero_some(0));
    // Until none is left, then it returns on its own.
    never_stop_count = 0;
    uint64_t rest = frames.unzeroed_free_count();
    UNSIGNED_LONGLONGS_EQUAL(rest, frame_zeroing::zero_free_frames(frames, machine, never_stop));
    UNSIGNED_LONGLONGS_EQUAL(rest + 1, never_stop_count);
    UNSIGNED_LONGLONGS_EQUAL(0, frames.unzeroed_free_count());
    CHECK_FALSE(frames.next_to_zero().has_value());
    check_index();
}

TEST(FrameZeroing, AllocationPrefersAFrameKnownZero) {
    zero_some(2);
    std::optional<exo::FrameAllocation> taken = frames.take_free(kOwner);
    CHECK(taken.has_value());
    CHECK(taken->zeroed);
    CHECK(all_zero(machine, taken->pfn));
    taken = frames.take_free(kOwner);
    CHECK(taken->zeroed);
    // None left: the next one is not known zero, and frame_zeroing zeroes it.
    taken = frames.take_free(kOwner);
    CHECK_FALSE(taken->zeroed);
    std::optional<uint64_t> pfn = frame_zeroing::allocate_any(frames, machine, kOwner);
    CHECK(all_zero(machine, *pfn));
    check_index();
}

TEST(FrameZeroing, AFreedFrameIsNotKnownZeroUntilZeroedAgain) {
    zero_some(1);
    std::optional<uint64_t> pfn = frame_zeroing::allocate_any(frames, machine, kOwner);
    scribble(machine, *pfn, 0x5c); // its owner writes to it, then frees it
    frames.release(*pfn);
    CHECK_FALSE(frames.known_zero(*pfn));
    check_index();
    // The freed frame is the next to go out, zeroed on the spot.
    std::optional<uint64_t> again = frame_zeroing::allocate_any(frames, machine, kOwner);
    UNSIGNED_LONGLONGS_EQUAL(*pfn, *again);
    CHECK(all_zero(machine, *again));
}

TEST(FrameZeroing, NamedAllocationZeroesUnlessKnownZero) {
    // Not known zero: zeroed on the spot.
    CHECK_EQUAL(Error::Ok, frame_zeroing::allocate(frames, machine, first + 7, kOwner));
    CHECK(all_zero(machine, first + 7));
    // Known zero: reported as such, and it leaves the zeroed group.
    uint64_t next = *frames.next_to_zero();
    zero_some(1);
    CHECK(frames.known_zero(next));
    bool zeroed = false;
    CHECK_EQUAL(Error::Ok, frames.allocate(next, kOwner, &zeroed));
    CHECK(zeroed);
    CHECK_FALSE(frames.known_zero(next));
    UNSIGNED_LONGLONGS_EQUAL(0, frames.zeroed_free_count());
    // Refusals zero nothing.
    scribble(machine, first + 7, 0x11);
    CHECK_EQUAL(Error::FrameNotFree, frame_zeroing::allocate(frames, machine, first + 7, kOwner));
    CHECK_FALSE(all_zero(machine, first + 7));
    CHECK_EQUAL(Error::OutOfRange,
                frame_zeroing::allocate(frames, machine, machine.end_pfn(), kOwner));
    check_index();
}

TEST(FrameZeroing, ReleasingAFreeFrameAgainKeepsItsStanding) {
    uint64_t next = *frames.next_to_zero();
    zero_some(1);
    frames.release(next); // already Free: stays known zero, counted once
    CHECK(frames.known_zero(next));
    UNSIGNED_LONGLONGS_EQUAL(1, frames.zeroed_free_count());
    check_index();
}

TEST(FrameZeroing, ClassifyingAKnownZeroFrameTakesItOutOfTheIndex) {
    uint64_t next = *frames.next_to_zero();
    zero_some(2);
    frames.set_system_state(next, FrameState::Reserved);
    CHECK_FALSE(frames.known_zero(next));
    UNSIGNED_LONGLONGS_EQUAL(1, frames.zeroed_free_count());
    check_index();
}

// Random frees, named and any allocations, scribbles and idle zeroing: every frame handed out is
// zero, and the index never calls a dirty frame zero.
TEST(FrameZeroing, RandomSequencesNeverHandOutADirtyFrame) {
    std::mt19937_64 random(20240611);
    std::vector<uint64_t> owned;
    for (int step = 0; step < 4000; ++step) {
        unsigned roll = static_cast<unsigned>(random() % 100);
        if (roll < 30) {
            std::optional<uint64_t> pfn = frame_zeroing::allocate_any(frames, machine, kOwner);
            if (pfn) {
                CHECK(all_zero(machine, *pfn));
                owned.push_back(*pfn);
            }
        } else if (roll < 45) {
            uint64_t pfn = first + random() % (machine.end_pfn() - first);
            Error error = frame_zeroing::allocate(frames, machine, pfn, kOwner);
            if (error == Error::Ok) {
                CHECK(all_zero(machine, pfn));
                owned.push_back(pfn);
            }
        } else if (roll < 80 && !owned.empty()) {
            size_t at = random() % owned.size();
            scribble(machine, owned[at], static_cast<uint8_t>(1 + random() % 255));
            frames.release(owned[at]);
            owned[at] = owned.back();
            owned.pop_back();
        } else if (roll < 95) {
            zero_some(random() % 8);
        } else if (!owned.empty()) {
            scribble(machine, owned[random() % owned.size()], 0x77); // owned frames get written
        }
        if (step % 50 == 0) check_index();
    }
    check_index();
}
