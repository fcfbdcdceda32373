// Block ownership (disk/extent_table.h): boundaries, rights, delegation and its revocation.
#include <abi/disk.h>
#include <cstdint>

#include "disk/extent_table.h"

#include <CppUTest/TestHarness.h>

inline SimpleString StringFrom(abi::Error error) { return SimpleString(abi::to_string(error)); }

using abi::Error;
using exo::ExtentTable;

namespace {
constexpr uint8_t kRead = abi::disk_rights::kRead, kWrite = abi::disk_rights::kWrite;
constexpr uint8_t kBoth = kRead | kWrite;
constexpr exo::EnvironmentSlot kFirst = 0, kChild = 1, kGrandchild = 2;
constexpr uint64_t kCapacity = 1000;
bool never_busy(uint64_t, uint64_t) { return false; }
}  // namespace

TEST_GROUP(ExtentTable) {
    ExtentTable table;
    void setup() override { table.reset(kCapacity, kFirst); }
};

TEST(ExtentTable, TheFirstOwnsTheWholeDiskAndNothingPastIt) {
    CHECK_EQUAL(Error::Ok, table.check(kFirst, 0, kCapacity, kBoth));
    CHECK_EQUAL(Error::Ok, table.check(kFirst, kCapacity - 1, 1, kWrite));
    CHECK_EQUAL(Error::OutOfRange, table.check(kFirst, kCapacity, 1, kRead));
    CHECK_EQUAL(Error::OutOfRange, table.check(kFirst, kCapacity - 1, 2, kRead));
    CHECK_EQUAL(Error::OutOfRange, table.check(kFirst, ~uint64_t{0}, 2, kRead));  // wraps
    CHECK_EQUAL(Error::OutOfRange, table.check(kFirst, 1, ~uint64_t{0}, kRead));
    CHECK_EQUAL(Error::InvalidArgument, table.check(kFirst, 0, 0, kRead));
    CHECK_EQUAL(Error::NotOwner, table.check(kChild, 0, 1, kRead));
}

TEST(ExtentTable, AGrantIsWithinTheGranterAndNoMoreThanItsRights) {
    CHECK_EQUAL(Error::Ok, table.grant(kFirst, kChild, 100, 50, kRead));
    CHECK_EQUAL(Error::Ok, table.check(kChild, 100, 50, kRead));
    CHECK_EQUAL(Error::NotOwner, table.check(kChild, 100, 50, kWrite));
    CHECK_EQUAL(Error::NotOwner, table.check(kChild, 99, 2, kRead));
    CHECK_EQUAL(Error::NotOwner, table.check(kChild, 149, 2, kRead));
    CHECK_EQUAL(Error::Ok, table.check(kFirst, 100, 50, kBoth));  // the granter keeps its own
    CHECK_EQUAL(Error::NotOwner, table.grant(kChild, kGrandchild, 100, 10, kWrite));
    CHECK_EQUAL(Error::NotOwner, table.grant(kChild, kGrandchild, 140, 11, kRead));
    CHECK_EQUAL(Error::InvalidArgument, table.grant(kChild, kGrandchild, 100, 10, 0));
    CHECK_EQUAL(Error::InvalidArgument, table.grant(kChild, kGrandchild, 100, 10, 4));
    CHECK_EQUAL(Error::InvalidArgument, table.grant(kChild, kChild, 100, 10, kRead));
    CHECK_EQUAL(Error::OutOfRange, table.grant(kFirst, kChild, 990, 20, kRead));
}

TEST(ExtentTable, ReadOnlySharingWithSeveralChildren) {
    CHECK_EQUAL(Error::Ok, table.grant(kFirst, kChild, 0, 10, kRead));
    CHECK_EQUAL(Error::Ok, table.grant(kFirst, kGrandchild, 0, 10, kRead));
    CHECK_EQUAL(Error::Ok, table.check(kChild, 0, 10, kRead));
    CHECK_EQUAL(Error::Ok, table.check(kGrandchild, 0, 10, kRead));
}

TEST(ExtentTable, RevocationTakesWhatWasGrantedFromWithinToo) {
    CHECK_EQUAL(Error::Ok, table.grant(kFirst, kChild, 100, 50, kBoth));
    CHECK_EQUAL(Error::Ok, table.grant(kChild, kGrandchild, 110, 5, kRead));
    CHECK_EQUAL(Error::Busy, table.revoke(kFirst, kChild, 100, [](uint64_t, uint64_t) {
        return true;
    }));
    CHECK_EQUAL(Error::NotOwner, table.check(kChild, 100, 1, kRead));  // closed meanwhile
    CHECK_EQUAL(Error::Ok, table.revoke(kFirst, kChild, 100, never_busy));
    CHECK_EQUAL(Error::NotOwner, table.check(kGrandchild, 110, 1, kRead));
    CHECK_EQUAL(Error::NotOwner, table.revoke(kFirst, kChild, 100, never_busy));
    CHECK_EQUAL(Error::NotOwner, table.revoke(kChild, kFirst, 0, never_busy));  // not its grant
}

TEST(ExtentTable, AnEndedEnvironmentLosesItsExtentsAndTheirDelegations) {
    CHECK_EQUAL(Error::Ok, table.grant(kFirst, kChild, 100, 50, kBoth));
    CHECK_EQUAL(Error::Ok, table.grant(kChild, kGrandchild, 110, 5, kRead));
    table.forget(kChild);
    CHECK_EQUAL(Error::NotOwner, table.check(kChild, 100, 1, kRead));
    CHECK_EQUAL(Error::NotOwner, table.check(kGrandchild, 110, 1, kRead));
    CHECK_EQUAL(Error::Ok, table.check(kFirst, 100, 50, kBoth));
}

TEST(ExtentTable, TheTableIsFiniteAndSaysSo) {
    Error last = Error::Ok;
    for (uint64_t i = 0; i < ExtentTable::kMaxExtents + 1 && last == Error::Ok; ++i) {
        last = table.grant(kFirst, kChild, i, 1, kRead);
    }
    CHECK_EQUAL(Error::TooMany, last);
}
