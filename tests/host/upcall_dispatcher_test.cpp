// The library OS's upcall dispatcher (libos/include/exos/dispatcher.h): faults go to the first
// memory policy that claims them, and nowhere else; a fault nobody claims is left to the
// runtime's report; revocation asks every policy in turn until the request is met; a second
// scheduler is refused. The QEMU scenario library_os_policies runs the same rules on the target.
#include <abi/shared_info.h>
#include <cstdint>

#include <exos/dispatcher.h>

#include <CppUTest/TestHarness.h>

namespace {

using abi::Error;
using exos::ExceptionOutcome;

constexpr uint64_t kLoadPageFault = 13;
constexpr uint64_t kStorePageFault = 15;
constexpr uint64_t kIllegalInstruction = 2;

// A policy over [base, base + pages) that resolves every fault it is given and has `spare`
// frames to give back.
class FakePolicy final : public exos::MemoryPolicy {
public:
    FakePolicy(uint64_t base, uint64_t pages, uint64_t spare, uint64_t status)
        : base_(base), pages_(pages), spare_(spare), status_(status) {}
    bool claims(const volatile abi::TrapState& trap) const override {
        return exos::fault_in(trap, base_, pages_);
    }
    ExceptionOutcome handle_fault(const volatile abi::TrapState&) override {
        ++faults;
        return ExceptionOutcome::fatal(status_);
    }
    uint64_t give_back(uint64_t frames) override {
        ++asked;
        last_request = frames;
        uint64_t given = frames < spare_ ? frames : spare_;
        spare_ -= given;
        return given;
    }
    const char* name() const override { return "fake"; }

    int faults = 0;
    int asked = 0;
    uint64_t last_request = 0;

private:
    uint64_t base_, pages_, spare_, status_;
};

class FakeScheduler final : public exos::SliceScheduler {
public:
    uint32_t hooks() const override { return kSliceStart; }
    const char* name() const override { return "fake scheduler"; }
};

abi::TrapState fault(uint64_t cause, uint64_t address) {
    abi::TrapState trap = {};
    trap.cause = cause;
    trap.address = address;
    trap.pc = 0x10000;
    return trap;
}

// The dispatcher takes the trap state as the exception entry's volatile stack copy.
std::optional<ExceptionOutcome> dispatch(exos::UpcallDispatcher& dispatcher, uint64_t cause,
                                         uint64_t address) {
    const volatile abi::TrapState trap = fault(cause, address);
    return dispatcher.dispatch_fault(trap);
}

int fallback_faults = 0;
ExceptionOutcome fallback(const volatile abi::TrapState&) {
    ++fallback_faults;
    return ExceptionOutcome::retry();
}

uint64_t fallback_request = 0;
void fallback_revocation(uint64_t frames, uint64_t) { fallback_request = frames; }

constexpr uint64_t kPaged = 0x40000000;
constexpr uint64_t kPinned = 0x50000000;

TEST_GROUP(UpcallDispatcher) {
    exos::UpcallDispatcher dispatcher;
    FakePolicy pager{kPaged, 16, 100, 1};
    FakePolicy pinned{kPinned, 4, 4, 2};
    void setup() override {
        fallback_faults = 0;
        fallback_request = 0;
        CHECK(dispatcher.add_memory_policy(pinned) == Error::Ok);
        CHECK(dispatcher.add_memory_policy(pager) == Error::Ok);
    }
};

TEST(UpcallDispatcher, EachFaultGoesToThePolicyWhoseRegionItIs) {
    std::optional<ExceptionOutcome> paged =
        dispatch(dispatcher, kStorePageFault, kPaged + 5 * 4096 + 8);
    std::optional<ExceptionOutcome> pinned_fault =
        dispatch(dispatcher, kLoadPageFault, kPinned + 3 * 4096);
    CHECK(paged && paged->value == 1);
    CHECK(pinned_fault && pinned_fault->value == 2);
    LONGS_EQUAL(1, pager.faults);
    LONGS_EQUAL(1, pinned.faults);
}

TEST(UpcallDispatcher, AFaultNoPolicyClaimsIsUnclaimed) {
    CHECK_FALSE(dispatch(dispatcher, kStorePageFault, 0x60000000));
    CHECK_FALSE(dispatch(dispatcher, kLoadPageFault, kPinned + 4 * 4096));  // one past
    // stval of an illegal instruction is the instruction, not an address: nobody's region.
    CHECK_FALSE(dispatch(dispatcher, kIllegalInstruction, kPaged));
    LONGS_EQUAL(0, pager.faults + pinned.faults);
}

TEST(UpcallDispatcher, TheApplicationsHandlerTakesOnlyWhatNoPolicyClaims) {
    dispatcher.set_fallback_exception_handler(fallback);
    CHECK(dispatch(dispatcher, kStorePageFault, 0x60000000).has_value());
    CHECK(dispatch(dispatcher, kStorePageFault, kPaged).has_value());
    LONGS_EQUAL(1, fallback_faults);
    LONGS_EQUAL(1, pager.faults);
}

TEST(UpcallDispatcher, OverlappingClaimsGoToTheFirstRegistered) {
    FakePolicy wide{kPaged, 0x100000, 0, 3};
    CHECK(dispatcher.add_memory_policy(wide) == Error::Ok);
    std::optional<ExceptionOutcome> outcome = dispatch(dispatcher, kLoadPageFault, kPaged);
    CHECK(outcome && outcome->value == 1);
    LONGS_EQUAL(0, wide.faults);
}

TEST(UpcallDispatcher, RevocationAsksEveryPolicyInTurnUntilTheRequestIsMet) {
    LONGS_EQUAL(16, dispatcher.dispatch_revocation(16, 0));
    LONGS_EQUAL(1, pinned.asked);
    LONGS_EQUAL(16, pinned.last_request);
    LONGS_EQUAL(1, pager.asked);
    LONGS_EQUAL(12, pager.last_request);  // what pinned memory could not give
    // Met by the first: the second is not asked.
    FakePolicy rich{0x70000000, 1, 100, 4};
    exos::UpcallDispatcher other;
    CHECK(other.add_memory_policy(rich) == Error::Ok);
    CHECK(other.add_memory_policy(pager) == Error::Ok);
    LONGS_EQUAL(8, other.dispatch_revocation(8, 0));
    LONGS_EQUAL(1, pager.asked);
}

TEST(UpcallDispatcher, WhatThePoliciesCannotGiveGoesToTheApplicationsHandler) {
    dispatcher.set_fallback_revocation_handler(fallback_revocation);
    LONGS_EQUAL(104, dispatcher.dispatch_revocation(110, 0));
    LONGS_EQUAL(6, fallback_request);
    fallback_request = 0;
    LONGS_EQUAL(0, dispatcher.dispatch_revocation(0, 0));
    LONGS_EQUAL(0, fallback_request);
}

TEST(UpcallDispatcher, RegistrationsAreCheckedNotOverwritten) {
    CHECK(dispatcher.add_memory_policy(pager) == Error::AlreadyExists);
    FakePolicy third{0x70000000, 1, 0, 5}, fourth{0x71000000, 1, 0, 6}, fifth{0x72000000, 1, 0, 7};
    CHECK(dispatcher.add_memory_policy(third) == Error::Ok);
    CHECK(dispatcher.add_memory_policy(fourth) == Error::Ok);
    CHECK(dispatcher.add_memory_policy(fifth) == Error::TooMany);
    LONGS_EQUAL(4, dispatcher.memory_policy_count());
    // The first two still get their faults.
    CHECK(dispatch(dispatcher, kLoadPageFault, kPinned).has_value());
    LONGS_EQUAL(1, pinned.faults);
}

TEST(UpcallDispatcher, OneSchedulerPerEnvironment) {
    FakeScheduler first, second;
    CHECK(dispatcher.scheduler() == nullptr);
    CHECK(dispatcher.set_scheduler(first) == Error::Ok);
    CHECK(dispatcher.set_scheduler(first) == Error::Ok);
    CHECK(dispatcher.set_scheduler(second) == Error::AlreadyExists);
    CHECK(dispatcher.scheduler() == &first);
}

TEST(UpcallDispatcher, EntriesAreWantedOnlyWithSomethingToCall) {
    exos::UpcallDispatcher empty;
    CHECK_FALSE(empty.takes_exceptions());
    CHECK_FALSE(empty.takes_revocation());
    empty.set_fallback_revocation_handler(fallback_revocation);
    CHECK_FALSE(empty.takes_exceptions());
    CHECK(empty.takes_revocation());
    CHECK(dispatcher.takes_exceptions() && dispatcher.takes_revocation());
}

}  // namespace
