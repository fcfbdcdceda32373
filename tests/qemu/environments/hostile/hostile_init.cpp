// Drives the hostile scenario: two victims with checksummed workloads, then the hostile
// fuzzer; afterwards the kernel must be alive, every victim intact, the frame table consistent,
// and destroying the hostile environment must return every frame it had.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/syscall.h>

#include "../driver.h"

namespace {

using abi::Error;
constexpr uint64_t kVictimImage = 1;
constexpr uint64_t kHostileImage = 2;
// Each child's mailbox is mapped here in turn (one at a time).
exos::FramePool pool;

uint64_t frames_owned_by(uint64_t id) {
    uint64_t slot = (id & 0xffff) - 1, count = 0;
    for (uint64_t pfn = 0x80000; pfn < 0x88000; ++pfn) {
        uint64_t info = exos::frame_query(pfn);
        count += abi::frame_info_state(info) == abi::FrameState::Owned &&
                 abi::frame_info_owner_slot(info) == slot;
    }
    return count;
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    for (uint64_t slot = 12; slot < 16; ++slot)
        EXPECT(exos::syscall(abi::Syscall::SliceRelease, slot).error == Error::Ok);
    exos::Child victims[2];
    for (exos::Child& victim : victims) {
        victim = exos::spawn(pool, kVictimImage, 6);
        EXPECT(victim.error == Error::Ok);
        EXPECT(driver::open_mailbox(victim));
        mailbox::wait_for_state(victim.id, mailbox::kDone);
    }
    exos::Child hostile = exos::spawn(pool, kHostileImage, 4);
    EXPECT(hostile.error == Error::Ok);
    EXPECT(driver::open_mailbox(hostile));
    mailbox::wait_for_state(hostile.id, mailbox::kDone);
    uint64_t hostile_frames = frames_owned_by(hostile.id);
    EXPECT_AUDIT_CLEAN("the hostile run");

    for (exos::Child& victim : victims) {
        EXPECT(exos::yield(victim.id) == Error::Ok);  // still alive
        EXPECT(driver::open_mailbox(victim));
        mailbox::at().value = 1;
        mailbox::wait_for_state(victim.id, mailbox::kReported);
        EXPECT(mailbox::at().value == 2);
    }
    (void)exos::unmap(mailbox::kAddress);
    EXPECT(exos::environment_destroy(hostile.id) == Error::Ok);
    uint64_t left = frames_owned_by(hostile.id);
    EXPECT(left == 0);
    exos::printf("hostile_init: destroying the hostile environment returned %lu frames, %lu left\n",
                hostile_frames, left);
    EXPECT_AUDIT_CLEAN("destroying the hostile environment");
    exos::printf("hostile_init: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
