// The slice vector (reservations, penalties) and the interrupt table (devices, lines, acks).
#include <cstdint>

#include "cpu/interrupt_table.h"
#include "cpu/slice_vector.h"

#include <CppUTest/TestHarness.h>

using abi::Error;
using exo::kNoEnvironment;

TEST_GROUP(SliceVector) {
    exo::SliceVector slices;
    void setup() override { slices.init(16); }
};

TEST(SliceVector, ReserveReleaseAndRead) {
    UNSIGNED_LONGS_EQUAL(16, slices.count());
    CHECK(slices.reserve(3, 1) == Error::Ok);
    CHECK(slices.reserve(3, 1) == Error::Ok);  // again: still ours, nothing changes
    UNSIGNED_LONGS_EQUAL(1, slices.owner(3));
    UNSIGNED_LONGS_EQUAL(1, slices.owned_by(1));
    CHECK(slices.release(3, 1) == Error::Ok);
    UNSIGNED_LONGS_EQUAL(kNoEnvironment, slices.owner(3));
}

TEST(SliceVector, SomeoneElsesSlotAndOutOfRange) {
    CHECK(slices.reserve(5, 1) == Error::Ok);
    CHECK(slices.reserve(5, 2) == Error::Busy);
    CHECK(slices.release(5, 2) == Error::NotOwner);
    CHECK(slices.reserve(16, 2) == Error::OutOfRange);
    CHECK(slices.reserve(0xffffffff, 2) == Error::OutOfRange);
    CHECK(slices.release(99, 1) == Error::OutOfRange);
    UNSIGNED_LONGS_EQUAL(1, slices.owner(5));
    UNSIGNED_LONGS_EQUAL(kNoEnvironment, slices.owner(16));
}

TEST(SliceVector, ReleaseAllFreesOnlyThatOwner) {
    for (uint32_t slot = 0; slot < 16; ++slot)
        CHECK(slices.reserve(slot, slot % 2 ? 7 : 8) == Error::Ok);
    slices.penalize(7);
    slices.release_all(7);
    UNSIGNED_LONGS_EQUAL(0, slices.owned_by(7));
    UNSIGNED_LONGS_EQUAL(8, slices.owned_by(8));
    UNSIGNED_LONGS_EQUAL(0, slices.penalties(7));  // a dead owner's debt dies with it
    CHECK_FALSE(slices.any_penalties());
}

TEST(SliceVector, EachPenaltyForfeitsOneSlot) {
    CHECK_FALSE(slices.forfeits(4));
    CHECK_FALSE(slices.any_penalties());
    slices.penalize(4);
    slices.penalize(4);
    slices.penalize(9);
    UNSIGNED_LONGS_EQUAL(2, slices.penalties(4));
    CHECK(slices.forfeits(4));
    CHECK(slices.forfeits(9));
    CHECK(slices.any_penalties());  // the trap vector's timer path waits for the last one
    CHECK(slices.forfeits(4));
    CHECK_FALSE(slices.any_penalties());
    CHECK_FALSE(slices.forfeits(4));
    CHECK_FALSE(slices.forfeits(kNoEnvironment));
}

TEST(SliceVector, CountIsCappedAtTheTable) {
    slices.init(1000);
    UNSIGNED_LONGS_EQUAL(exo::SliceVector::kMaxSlots, slices.count());
}

TEST_GROUP(InterruptTable) {
    exo::InterruptTable table;
    void setup() override {
        table.reserve_for_kernel(10);
        table.add_device(abi::DeviceKind::GoldfishRtc, {0x101000, 0x1000}, 11);
        table.add_device(abi::DeviceKind::SifiveUart, {0x10011000, 0x1000}, 5);
    }
};

TEST(InterruptTable, ClaimMapBindAcknowledge) {
    CHECK(table.claim(0, 3) == Error::Ok);
    CHECK(table.owns_device_frame(0x101, 3));
    CHECK_FALSE(table.owns_device_frame(0x101, 4));
    CHECK_FALSE(table.owns_device_frame(0x102, 3));
    CHECK(table.bind(11, 3) == Error::Ok);
    UNSIGNED_LONGS_EQUAL(3, table.arrive(11));  // its owner
    CHECK(table.in_flight(11));
    CHECK(table.acknowledge(11, 3) == Error::Ok);
    CHECK_FALSE(table.in_flight(11));
    CHECK(table.acknowledge(11, 3) == Error::InvalidArgument);  // nothing in flight
}

TEST(InterruptTable, HostileBindsAndAcks) {
    CHECK(table.claim(0, 3) == Error::Ok);
    CHECK(table.claim(0, 4) == Error::Busy);
    CHECK(table.claim(9, 4) == Error::InvalidArgument);
    CHECK(table.release(0, 4) == Error::NotOwner);
    CHECK(table.bind(11, 4) == Error::NotOwner);        // not its device
    CHECK(table.bind(10, 3) == Error::NotPermitted);    // the kernel's console
    CHECK(table.bind(5, 3) == Error::NotOwner);         // a device nobody claimed
    CHECK(table.bind(0, 3) == Error::OutOfRange);
    CHECK(table.bind(1000, 3) == Error::OutOfRange);
    CHECK(table.bind(11, 3) == Error::Ok);
    CHECK(table.acknowledge(11, 4) == Error::NotOwner);
    CHECK(table.unbind(11, 4) == Error::NotOwner);
    CHECK(table.arrive(5) == exo::kNoEnvironment);  // unbound lines are nobody's
}

TEST(InterruptTable, ReleaseAllCompletesOpenClaims) {
    CHECK(table.claim(0, 3) == Error::Ok);
    CHECK(table.claim(1, 3) == Error::Ok);
    CHECK(table.bind(11, 3) == Error::Ok);
    CHECK(table.bind(5, 3) == Error::Ok);
    CHECK(table.arrive(11) != exo::kNoEnvironment);
    int completed = 0;
    table.release_all(3, [&](uint32_t line) {
        LONGS_EQUAL(11, line);
        ++completed;
    });
    LONGS_EQUAL(1, completed);
    UNSIGNED_LONGS_EQUAL(kNoEnvironment, table.line_owner(11));
    UNSIGNED_LONGS_EQUAL(kNoEnvironment, table.line_owner(5));
    CHECK(table.claim(0, 4) == Error::Ok);  // free for the next environment
    CHECK(table.bind(11, 4) == Error::Ok);
}
