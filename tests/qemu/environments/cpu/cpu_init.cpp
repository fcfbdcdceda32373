// CPU-share scenarios: children with different slot patterns must get CPU time in proportion
// to their reservations, within one slot per round, even though they never yield; one that
// ignores its slice-end upcalls loses slots to penalties and nobody else is affected; and
// integer-only spinners, whose slot ends the trap vector handles itself, keep every register.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../driver.h"

namespace {

using abi::Error;
constexpr uint64_t kSpinnerImage = 1;
exos::FramePool pool;

// Spinner modes (spinner.cpp).
constexpr uint64_t kIgnoreSliceEnd = 1, kIntegerRegisters = 2, kSliceStart = 4;

struct Spinner {
    exos::Child child;
    uint64_t mask;
    uint64_t mode;
    uint64_t result[11];
};

// Runs the spinners for `rounds` rounds and fills in their results.
void run(Spinner* spinners, int count, uint64_t rounds) {
    uint64_t release = 0;
    for (int i = 0; i < count; ++i) release |= spinners[i].mask;
    for (uint64_t slot = 0; slot < 16; ++slot) {
        if (release >> slot & 1)
            EXPECT(exos::syscall(abi::Syscall::SliceRelease, slot).error == Error::Ok);
    }
    for (int i = 0; i < count; ++i) {
        spinners[i].child = exos::spawn(pool, kSpinnerImage, 4);
        EXPECT(spinners[i].child.error == Error::Ok);
        EXPECT(driver::open_mailbox(spinners[i].child));
        mailbox::at().words[1] = spinners[i].mode;
        mailbox::at().words[0] = spinners[i].mask;
        mailbox::wait_for_state(spinners[i].child.id, mailbox::kDone);
        uint64_t slots = 0;
        for (uint64_t bits = spinners[i].mask; bits; bits >>= 1) slots += bits & 1;
        EXPECT(mailbox::at().words[4] == slots);
    }
    const volatile abi::SharedInfo& info = exos::shared_info();
    uint64_t start = driver::now() + 4 * info.slot_ticks;
    uint64_t end = start + rounds * info.slots_per_round * info.slot_ticks;
    for (int i = 0; i < count; ++i) {
        EXPECT(driver::open_mailbox(spinners[i].child));
        mailbox::at().words[3] = end;
        mailbox::at().words[2] = start;
    }
    while (driver::now() < end + 2 * info.slot_ticks)
        (void)exos::yield(); // our own slots: given up
    for (int i = 0; i < count; ++i) {
        EXPECT(driver::open_mailbox(spinners[i].child));
        mailbox::wait_for_state(spinners[i].child.id, mailbox::kReported);
        for (int w = 0; w < 11; ++w) spinners[i].result[w] = mailbox::at().words[w];
        // Its registers (floating-point, or integer): its own throughout (and the
        // floating-point ones zero when it started).
        EXPECT(spinners[i].result[10] == 0);
        EXPECT(spinners[i].result[9] == 0);
        EXPECT(exos::environment_destroy(spinners[i].child.id) == Error::Ok);
    }
    (void)exos::unmap(mailbox::kAddress);
    for (uint64_t slot = 0; slot < 16; ++slot) {
        if (release >> slot & 1)
            EXPECT(exos::syscall(abi::Syscall::SliceReserve, slot).error == Error::Ok);
    }
}

// Within one slot per round of the reserved share (shares in 0.01 % units).
bool within_one_slot(uint64_t share, uint64_t slots) {
    uint64_t expected = slots * 10000 / 16, tolerance = 10000 / 16;
    return share + tolerance >= expected && share <= expected + tolerance;
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    EXPECT(exos::syscall(abi::Syscall::SliceRead, ~uint64_t{0}).value == 16);
    // Hostile reservations: out of range, someone else's (ours: a child cannot take them).
    EXPECT(exos::syscall(abi::Syscall::SliceReserve, 16).error == Error::OutOfRange);
    EXPECT(exos::syscall(abi::Syscall::SliceReserve, ~uint64_t{0}).error == Error::OutOfRange);
    EXPECT(exos::syscall(abi::Syscall::SliceRead, 3).value == exos::shared_info().environment_id);

    // Shares: eight slots against four, neither ever yielding.
    Spinner shares[2] = {{{}, 0b0110011001100110, 0, {}}, {{}, 0b1000100010001000, 0, {}}};
    run(shares, 2, 20);
    exos::printf("cpu: 8-slot spinner ran %lu.%02lu%%, 4-slot spinner ran %lu.%02lu%% (expected "
                 "50%% and 25%%)\n",
                 shares[0].result[5] / 100, shares[0].result[5] % 100, shares[1].result[5] / 100,
                 shares[1].result[5] % 100);
    EXPECT(within_one_slot(shares[0].result[5], 8));
    EXPECT(within_one_slot(shares[1].result[5], 4));

    // Penalty: one ignores its slice-end upcalls and loses slots; the other is unaffected.
    // The one that ignores them starts last, so that no reservation after its slice-end entry
    // refreshes what the trap vector knows of its slots (the entry itself must).
    Spinner penalty[2] = {{{}, 0b1000100010001000, 0, {}},
                          {{}, 0b0010001000100010, kIgnoreSliceEnd, {}}};
    run(penalty, 2, 20);
    const Spinner &ignoring = penalty[1], &other = penalty[0];
    exos::printf("cpu: slice-end ignored %lu times, %lu penalties, its share %lu.%02lu%%; the "
                 "other's %lu.%02lu%%\n",
                 ignoring.result[8], ignoring.result[7], ignoring.result[5] / 100,
                 ignoring.result[5] % 100, other.result[5] / 100, other.result[5] % 100);
    EXPECT(ignoring.result[7] > 0);
    EXPECT(ignoring.result[5] + 10000 / 16 <= 4 * 10000 / 16);  // at least a slot a round lost
    EXPECT(within_one_slot(other.result[5], 4));

    // Slot ends between two integer-only spinners in adjacent slots: the trap vector ends one
    // slot and starts the next itself (one with a slice-start entry, resumed from its shared
    // info page; one without). Every register held throughout, every slot given.
    Spinner integer[2] = {{{}, 0b0100010001000100, kIntegerRegisters | kSliceStart, {}},
                          {{}, 0b1000100010001000, kIntegerRegisters, {}}};
    constexpr uint64_t kRounds = 20;
    run(integer, 2, kRounds);
    exos::printf("cpu: integer spinners: %lu and %lu registers lost, %lu and %lu slices, %lu "
                 "slice-start entries "
                 "(%lu saw the pattern in the preempted context)\n",
                 integer[0].result[9], integer[1].result[9], integer[0].result[6],
                 integer[1].result[6], integer[0].result[8], integer[0].result[7]);
    for (const Spinner& spinner : integer) EXPECT(spinner.result[6] + 1 >= 4 * kRounds);
    EXPECT(integer[0].result[8] == integer[0].result[6]);  // each slice began at its entry
    EXPECT(integer[1].result[8] == 0);
    // Its entry read the pattern in the preempted context (all but the slot it started the loop
    // in) and had a bad pointer and a bad pc refused.
    EXPECT(integer[0].result[7] + 1 >= integer[0].result[8]);
    EXPECT(integer[0].result[5] == 1);
    EXPECT_AUDIT_CLEAN("cpu scenarios");
    exos::printf("cpu: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
