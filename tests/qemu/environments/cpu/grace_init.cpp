// Slice-end grace scenario: an overrun grace is charged to the environment that received the
// slice-end upcall, whatever happens to its slot inside the grace. Release-and-yield: the owner
// of slot 5 releases it inside the grace and donates the grace to its neighbour (slot 4), which
// is inside a long slice-start upcall and reserves slot 5: the owner is penalised (counter and
// event bit, and its main context continues), the neighbour's upcall goes on, and slot 5 stays
// the neighbour's with no penalty. Release alone: the owner of slot 9 releases it and overruns:
// penalised all the same. (grace_child.cpp plays the three roles.)
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../driver.h"

namespace {

using abi::Error;
constexpr uint64_t kChildImage = 1;
constexpr uint64_t kOverrunner = 1, kNeighbour = 2, kLone = 3;
constexpr uint64_t kNeighbourSlot = 4, kOverrunnerSlot = 5, kLoneSlot = 9;
exos::FramePool pool;

exos::Child start(uint64_t role, uint64_t slot, uint64_t neighbour = 0) {
    exos::Child child = driver::start(pool, kChildImage, uint64_t{1} << slot);
    mailbox::at().words[1] = slot;
    mailbox::at().words[2] = neighbour;
    mailbox::at().words[0] = role;
    mailbox::wait_for_state(child.id, mailbox::kDone);
    return child;
}

// Donates our time to the child until it reports or `deadline` passes (or two rounds, when a
// child before it used the time up); true if it reported.
bool wait_for_report(const exos::Child& child, uint64_t deadline) {
    const volatile abi::SharedInfo& info = exos::shared_info();
    uint64_t at_least = driver::now() + 2 * info.slot_ticks * info.slots_per_round;
    if (deadline < at_least) deadline = at_least;
    EXPECT(driver::open_mailbox(child));
    while (mailbox::at().state != mailbox::kReported && driver::now() < deadline)
        (void)exos::yield(child.id);
    return mailbox::at().state == mailbox::kReported;
}

struct Report {
    bool reported;
    uint64_t penalties, event, owns_slot, still_in_upcall, upcall_finished, reserved_in_upcall;
};

Report read_report(const exos::Child& child, uint64_t deadline) {
    Report report{};
    report.reported = wait_for_report(child, deadline);
    const mailbox::Mailbox& box = mailbox::at();
    report.penalties = box.words[5];
    report.event = box.words[6];
    report.owns_slot = box.words[7];
    report.still_in_upcall = box.words[9];
    report.upcall_finished = box.words[10];
    report.reserved_in_upcall = box.words[11];
    return report;
}

const char* yes(uint64_t value) { return value ? "yes" : "no"; }

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    const volatile abi::SharedInfo& info = exos::shared_info();
    uint64_t round = info.slot_ticks * info.slots_per_round;

    exos::Child neighbour = start(kNeighbour, kNeighbourSlot);
    exos::Child overrunner = start(kOverrunner, kOverrunnerSlot, neighbour.id);
    exos::Child lone = start(kLone, kLoneSlot);

    // Armed from one of our own slots, the neighbour first: its next slot (4) comes before the
    // overrunner's next slot end (5), so the donation finds it inside its long upcall.
    uint64_t until = driver::now() + 4 * round;
    EXPECT(driver::open_mailbox(neighbour));
    mailbox::at().words[4] = until;
    mailbox::at().words[3] = 1;
    EXPECT(driver::open_mailbox(overrunner));
    mailbox::at().words[3] = 1;
    EXPECT(driver::open_mailbox(lone));
    mailbox::at().words[3] = 1;

    uint64_t deadline = until + 6 * round;
    Report owner = read_report(overrunner, deadline);
    Report alone = read_report(lone, deadline);
    Report next = read_report(neighbour, deadline);

    exos::printf("grace: release and yield: owner reported %s, penalties %lu (event %s), left in "
                 "its upcall %s; "
                 "neighbour reported %s, reserved the slot in its upcall %s, upcall finished %s, "
                 "penalties %lu "
                 "(event %s), slot %lu its %s\n",
                 yes(owner.reported), owner.penalties, yes(owner.event), yes(owner.still_in_upcall),
                 yes(next.reported), yes(next.reserved_in_upcall), yes(next.upcall_finished),
                 next.penalties, yes(next.event), kOverrunnerSlot, yes(next.owns_slot));
    exos::printf("grace: release alone: owner reported %s, penalties %lu (event %s), left in its "
                 "upcall %s\n",
                 yes(alone.reported), alone.penalties, yes(alone.event),
                 yes(alone.still_in_upcall));
    EXPECT(owner.reported && owner.penalties == 1 && owner.event && !owner.still_in_upcall);
    EXPECT(!owner.owns_slot);
    EXPECT(next.reported && next.reserved_in_upcall && next.upcall_finished);
    EXPECT(next.penalties == 0 && !next.event && next.owns_slot);
    EXPECT(alone.reported && alone.penalties == 1 && alone.event && !alone.still_in_upcall);

    (void)exos::unmap(mailbox::kAddress);
    EXPECT(exos::environment_destroy(overrunner.id) == Error::Ok);
    EXPECT(exos::environment_destroy(neighbour.id) == Error::Ok);
    EXPECT(exos::environment_destroy(lone.id) == Error::Ok);
    EXPECT_AUDIT_CLEAN("grace scenario");
    exos::printf("grace: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
