// The one checked step from a7 to a syscall number.
#include <cstdint>
#include <string_view>

#include "syscalls/syscall_decode.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(SyscallDecode){};

TEST(SyscallDecode, EveryNumberBelowCountDecodesToItself) {
    for (uint64_t number = 0; number < static_cast<uint64_t>(abi::Syscall::Count); ++number) {
        std::optional<abi::Syscall> decoded = exo::decode_syscall(number);
        CHECK(decoded.has_value());
        UNSIGNED_LONGLONGS_EQUAL(number, static_cast<uint64_t>(*decoded));
    }
}

TEST(SyscallDecode, OutOfRangeNumbersAreRejected) {
    const uint64_t count = static_cast<uint64_t>(abi::Syscall::Count);
    const uint64_t rejected[] = {count, count + 1, 1000, 1ull << 32, 1ull << 63, ~0ull};
    for (uint64_t number : rejected) CHECK_FALSE(exo::decode_syscall(number).has_value());
}

TEST(SyscallDecode, ResultsCarryErrorOrValue) {
    exo::SyscallResult ok = exo::SyscallResult::ok(7);
    CHECK(ok.error() == abi::Error::Ok);
    UNSIGNED_LONGLONGS_EQUAL(7, ok.value());
    exo::SyscallResult failed = exo::SyscallResult::fail(abi::Error::BadAddress);
    CHECK(failed.error() == abi::Error::BadAddress);
    UNSIGNED_LONGLONGS_EQUAL(0, failed.value());
}

// The one conversion: a0 takes the error, a1 the value; a result whose call set the registers
// itself leaves the frame alone.
TEST(SyscallDecode, ResultsBecomeA0AndA1) {
    riscv::TrapFrame frame{};
    frame.x[riscv::reg::a0] = 0x1111;
    frame.x[riscv::reg::a1] = 0x2222;
    exo::SyscallResult::registers_set().write_to(frame);
    UNSIGNED_LONGLONGS_EQUAL(0x1111, frame.x[riscv::reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(0x2222, frame.x[riscv::reg::a1]);
    exo::SyscallResult::fail(abi::Error::NoMemory, 9).write_to(frame);
    UNSIGNED_LONGLONGS_EQUAL(static_cast<uint64_t>(abi::Error::NoMemory), frame.x[riscv::reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(9, frame.x[riscv::reg::a1]);
    exo::RegisterPair pair = exo::SyscallResult::ok(5).registers();
    UNSIGNED_LONGLONGS_EQUAL(0, static_cast<uint64_t>(pair));
    UNSIGNED_LONGLONGS_EQUAL(5, static_cast<uint64_t>(pair >> 64));
}

namespace {
exo::SyscallResult tried(abi::Error first, bool& reached_end) {
    TRY(first);
    reached_end = true;
    return exo::SyscallResult::ok(1);
}
}  // namespace

// TRY returns the failure and goes on after success.
TEST(SyscallDecode, TryReturnsEarlyOnFailureOnly) {
    bool reached = false;
    CHECK(tried(abi::Error::NotOwner, reached).error() == abi::Error::NotOwner);
    CHECK_FALSE(reached);
    CHECK(tried(abi::Error::Ok, reached).value() == 1);
    CHECK(reached);
}

// Every error has a name of its own: not empty, not the "?" of an unknown value, and no two alike.
TEST(SyscallDecode, ErrorNamesAreDistinct) {
    for (uint64_t a = 0; a < static_cast<uint64_t>(abi::Error::Count); ++a) {
        std::string_view name = abi::to_string(static_cast<abi::Error>(a));
        CHECK(!name.empty());
        CHECK(name != "?");
        for (uint64_t b = a + 1; b < static_cast<uint64_t>(abi::Error::Count); ++b) {
            CHECK(name != abi::to_string(static_cast<abi::Error>(b)));
        }
    }
    CHECK(std::string_view(abi::to_string(abi::Error::Count)) == "?");  // the fallback exists
}
