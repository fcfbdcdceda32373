// A CPU-bound child: reserves the slots its parent writes into the mailbox (a bit mask), spins
// without ever yielding until the agreed end time, and reports the share of time it ran,
// measured as the sum of short gaps between consecutive time reads (a long gap is time it
// was not running). With words[1] = 1 it also ignores its slice-end upcalls (it spins through
// the grace), which must cost it slots and nobody else. It also keeps its own pattern in all 32
// floating-point registers while it spins and checks it survives every preemption, after
// checking it started with zeros there (no earlier environment's values).
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

// The floating-point registers: all 32 to memory, and all 32 from a pattern.
void read_fp(uint64_t* out) {
    asm volatile(
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fsd f\\n, 8*\\n(%0)\n"
        ".endr" ::"r"(out) : "memory");
}
void write_fp(const uint64_t* in) {
    asm volatile(
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fld f\\n, 8*\\n(%0)\n"
        ".endr" ::"r"(in) : "memory");
}
uint64_t fp_differences(const uint64_t* expected) {
    uint64_t now_in[32], differences = 0;
    read_fp(now_in);
    for (int i = 0; i < 32; ++i) differences += now_in[i] != expected[i];
    return differences;
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
    uint64_t zeros[32] = {}, pattern[32];
    uint64_t nonzero_at_start = fp_differences(zeros);
    for (int i = 0; i < 32; ++i) pattern[i] = exo::shared_info().environment_id * 0x9e3779b97f4a7c15 + i;
    write_fp(pattern);
    uint64_t fp_mismatches = 0;
    uint64_t ran = 0, last = now(), spins = 0;
    while (last < end) {
        uint64_t time = now();
        if (time - last < threshold) ran += time - last;
        last = time;
        ++spins;
        if ((spins & 255) == 0) fp_mismatches += fp_differences(pattern);
    }
    fp_mismatches += fp_differences(pattern);
    box.words[9] = fp_mismatches;
    box.words[10] = nonzero_at_start;
    box.words[5] = ran * 10000 / (end - start);  // share of the time, in units of 0.01 %
    box.words[6] = spins;
    box.words[7] = exo::shared_info().penalties;
    box.words[8] = ignored_ends;
    box.state = mailbox::kReported;
    for (;;) (void)exo::yield();
}
