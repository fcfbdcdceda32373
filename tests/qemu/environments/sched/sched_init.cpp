// Two library OS schedulers in one image, each with its own slot pattern: rate-monotonic
// periodic tasks on short, frequent slots meet every deadline, and round-robin threads share
// their slots, while a CPU-bound environment that never yields takes the rest.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../driver.h"

namespace {

using abi::Error;
exos::FramePool pool;

exos::Child start(uint64_t image, uint64_t slot_mask) {
    exos::Child child = driver::start(pool, image, slot_mask);
    mailbox::at().words[0] = slot_mask;
    mailbox::wait_for_state(child.id, mailbox::kDone);
    return child;
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    const volatile abi::SharedInfo& info = exos::shared_info();
    exos::Child children[3] = {
        // Periodic tasks on every other slot, evenly spaced: a job waits at most two slots.
        start(1, 0b0101010101010101),
        start(2, 0b0010001000100010),  // round-robin threads
        start(3, 0b0000100010001000),  // CPU-bound, never yields; we keep slot 15
    };
    uint64_t begin = driver::now() + 4 * info.slot_ticks;
    uint64_t end = begin + 40 * 16 * info.slot_ticks;
    for (exos::Child& child : children) {
        EXPECT(driver::open_mailbox(child));
        mailbox::at().words[3] = end;
        mailbox::at().words[2] = begin;
    }
    while (driver::now() < end + 20 * info.slot_ticks) (void)exos::yield();

    EXPECT(driver::open_mailbox(children[0]));
    mailbox::wait_for_state(children[0].id, mailbox::kReported);
    uint64_t* w = const_cast<uint64_t*>(mailbox::at().words);
    exos::printf("sched: periodic 4-slot task: %lu jobs, %lu missed, worst response %lu ticks; "
                "8-slot task: %lu jobs, %lu missed, worst response %lu ticks\n",
                w[4], w[5], w[6], w[7], w[8], w[9]);
    EXPECT(w[5] == 0 && w[8] == 0);
    EXPECT(w[4] >= 150 && w[7] >= 75);  // 640 slots: 160 and 80 releases
    EXPECT(w[6] <= 4 * info.slot_ticks && w[9] <= 8 * info.slot_ticks);

    EXPECT(driver::open_mailbox(children[1]));
    mailbox::wait_for_state(children[1].id, mailbox::kReported);
    exos::printf("sched: round-robin threads progressed %lu, %lu, %lu over %lu switches\n", w[4],
                 w[5], w[6], w[7]);
    uint64_t least = w[4] < w[5] ? (w[4] < w[6] ? w[4] : w[6]) : (w[5] < w[6] ? w[5] : w[6]);
    uint64_t most = w[4] > w[5] ? (w[4] > w[6] ? w[4] : w[6]) : (w[5] > w[6] ? w[5] : w[6]);
    EXPECT(least > 0 && most <= 2 * least);  // each thread got its turns
    EXPECT(w[7] >= 100);

    (void)exos::unmap(mailbox::kAddress);
    for (exos::Child& child : children) EXPECT(exos::environment_destroy(child.id) == Error::Ok);
    EXPECT_AUDIT_CLEAN("scheduler scenario");
    exos::printf("sched: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
