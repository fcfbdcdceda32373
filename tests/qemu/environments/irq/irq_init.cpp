// Interrupt lines bound to environments: the owner of an exported device gets its interrupts in
// its own slots, a bystander is refused everything and receives nothing, a storm on the owner's
// line does not cost a CPU-bound environment its share, and destroying the owner frees the
// device and its line.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../driver.h"

namespace {

using abi::Error;
constexpr uint64_t kOwnerImage = 1, kBystanderImage = 2, kSpinnerImage = 3;
exos::FramePool pool;

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    const volatile abi::SharedInfo& info = exos::shared_info();
    EXPECT(info.device_count >= 1);

    exos::Child owner = driver::start(pool, kOwnerImage, 0b0010001000100010);
    mailbox::at().words[0] = 0b0010001000100010;
    mailbox::wait_for_state(owner.id, mailbox::kDone);
    uint64_t line = mailbox::at().words[1];

    exos::Child bystander = driver::start(pool, kBystanderImage, 0);
    mailbox::at().words[1] = line;
    mailbox::wait_for_state(bystander.id, mailbox::kDone);
    uint64_t refused = mailbox::at().words[2], wrong = mailbox::at().words[3];
    EXPECT(refused == 11 && wrong == 0);

    EXPECT(driver::open_mailbox(owner));
    while (mailbox::at().words[2] < 5) (void)exos::yield();  // the owner's slots come round
    exos::printf(
        "irq: device 0 (kind %u, line %lu): owner handled %lu interrupts, kernel delivered %lu\n",
        static_cast<unsigned>(info.devices[0].kind), line, mailbox::at().words[2],
        mailbox::at().words[3]);
    EXPECT(mailbox::at().words[2] == 5 && mailbox::at().words[3] == 5);

    // The storm, while a CPU-bound child measures its share of four slots.
    exos::Child spinner = driver::start(pool, kSpinnerImage, 0b1000100010001000);
    mailbox::at().words[0] = 0b1000100010001000;
    mailbox::wait_for_state(spinner.id, mailbox::kDone);
    uint64_t begin = driver::now() + 4 * info.slot_ticks;
    uint64_t end = begin + 20 * 16 * info.slot_ticks;
    mailbox::at().words[3] = end;
    mailbox::at().words[2] = begin;
    EXPECT(driver::open_mailbox(owner));
    mailbox::at().words[4] = 1;
    while (driver::now() < end + 2 * info.slot_ticks) (void)exos::yield();
    mailbox::at().words[4] = 2;
    mailbox::wait_for_state(owner.id, mailbox::kReported);
    uint64_t storm = mailbox::at().words[5] - 5;
    EXPECT(driver::open_mailbox(spinner));
    mailbox::wait_for_state(spinner.id, mailbox::kReported);
    uint64_t share = mailbox::at().words[5];
    exos::printf("irq: storm of %lu interrupts on the owner's line; a 4-slot spinner still ran "
                 "%lu.%02lu%%\n",
                 storm, share / 100, share % 100);
    EXPECT(storm > 20);
    EXPECT(share + 10000 / 16 >= 4 * 10000 / 16);

    // Destroying the owner, which holds the device, its line and slots, frees all three.
    EXPECT(exos::environment_destroy(owner.id) == Error::Ok);
    EXPECT(exos::syscall(abi::Syscall::SliceRead, 1).value == 0);
    EXPECT(driver::open_mailbox(bystander));
    mailbox::at().words[4] = 1;
    mailbox::wait_for_state(bystander.id, mailbox::kReported);
    exos::printf("irq: bystander refused %lu times, received %lu interrupts (kernel count %lu), "
                 "reclaimed the device: %s\n",
                 refused, mailbox::at().words[5], mailbox::at().words[6],
                 mailbox::at().words[7] ? "yes" : "no");
    EXPECT(mailbox::at().words[5] == 0 && mailbox::at().words[6] == 0 &&
           mailbox::at().words[7] == 1);
    (void)exos::unmap(mailbox::kAddress);
    EXPECT(exos::environment_destroy(bystander.id) == Error::Ok);
    EXPECT(exos::environment_destroy(spinner.id) == Error::Ok);
    EXPECT_AUDIT_CLEAN("interrupt scenario");
    exos::printf("irq: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
