// A CPU-bound child: reserves the slots its parent writes into the mailbox (a bit mask), spins
// without ever yielding until the agreed end time, and reports the share of time it ran,
// measured as the sum of short gaps between consecutive time reads (a long gap is time it
// was not running). With words[1] = 1 it also ignores its slice-end upcalls (it spins through
// the grace), which must cost it slots and nobody else.
#include <exo/console.h>
#include <exo/shared_info.h>
#include <exo/syscall.h>
#include <exo/upcalls.h>

#include "../memory/mailbox.h"

namespace {

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

volatile uint64_t ignored_ends = 0;
void ignore_slice_end(uint64_t, uint64_t deadline) {
    ignored_ends = ignored_ends + 1;
    uint64_t grace = deadline + exo::shared_info().slot_ticks / 2;  // well past the grace
    while (now() < grace) {
    }
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    mailbox::Mailbox& box = mailbox::at();
    while (box.words[0] == 0) (void)exo::yield(exo::shared_info().parent_id);  // the slot mask
    uint64_t mask = box.words[0];
    if (box.words[1] == 1) exo::set_slice_end_handler(ignore_slice_end);
    uint64_t reserved = 0;
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if ((mask >> slot & 1) && exo::syscall(abi::Syscall::SliceReserve, slot).error == abi::Error::Ok) ++reserved;
    }
    box.words[4] = reserved;
    box.state = mailbox::kDone;  // reserved: waiting for the start time
    while (box.words[2] == 0) (void)exo::yield(exo::shared_info().parent_id);
    uint64_t start = box.words[2], end = box.words[3];
    uint64_t threshold = exo::shared_info().slot_ticks / 8;
    while (now() < start) {
    }
    uint64_t ran = 0, last = now(), spins = 0;
    while (last < end) {
        uint64_t time = now();
        if (time - last < threshold) ran += time - last;
        last = time;
        ++spins;
    }
    box.words[5] = ran * 10000 / (end - start);  // share of the time, in units of 0.01 %
    box.words[6] = spins;
    box.words[7] = exo::shared_info().penalties;
    box.words[8] = ignored_ends;
    box.state = mailbox::kReported;
    for (;;) (void)exo::yield();
}
