// A CPU-bound child: reserves the slots its parent writes into the mailbox (a bit mask), spins
// without ever yielding until the agreed end time, and reports the share of time it ran,
// measured as the sum of short gaps between consecutive time reads (a long gap is time it
// was not running). words[1] holds mode bits: kIgnoreSliceEnd, to spin through the slice-end
// grace, which must cost it slots and nobody else; kIntegerRegisters, to spin with a pattern in
// 24 integer registers, touching no floating-point register (so slot ends take the trap
// vector's own path, which must keep every register); kSliceStart, to have a slice-start entry
// that resumes the preempted context as it is. Otherwise it keeps its own pattern in all 32
// floating-point registers while it spins and checks it survives every preemption, after
// checking it started with zeros there (no earlier environment's values).
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../memory/mailbox.h"

// Spins until the time CSR reaches a0 with a1 + n in each integer register xn but sp, gp and
// tp (its slice-start entry runs on them), t0 and t1 (the loop's own) and a0/a1; returns how
// many of the 24 lost their value. Callee-saved registers are put back.
asm(R"(
    .text
    .globl hold_integer_registers
hold_integer_registers:
    addi    sp, sp, -224
    .irp n, 1,8,9,18,19,20,21,22,23,24,25,26,27
    sd      x\n, \n * 8(sp)
    .endr
    .irp n, 1,7,8,9,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    addi    x\n, a1, \n
    .endr
1:  rdtime  t0
    bltu    t0, a0, 1b
    li      t0, 0
    .irp n, 1,7,8,9,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    addi    t1, a1, \n
    sub     t1, t1, x\n
    snez    t1, t1
    add     t0, t0, t1
    .endr
    mv      a0, t0
    .irp n, 1,8,9,18,19,20,21,22,23,24,25,26,27
    ld      x\n, \n * 8(sp)
    .endr
    addi    sp, sp, 224
    ret
)");
extern "C" uint64_t hold_integer_registers(uint64_t until, uint64_t seed);

namespace {

constexpr uint64_t kIgnoreSliceEnd = 1, kIntegerRegisters = 2, kSliceStart = 4;

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

// The floating-point registers: all 32 to memory, and all 32 from a pattern.
void read_fp(uint64_t* out) {
    asm volatile(
        ".irp n, "
        "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fsd f\\n, 8*\\n(%0)\n"
        ".endr" ::"r"(out)
        : "memory");
}
void write_fp(const uint64_t* in) {
    asm volatile(
        ".irp n, "
        "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fld f\\n, 8*\\n(%0)\n"
        ".endr" ::"r"(in)
        : "memory");
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
    uint64_t grace = deadline + exos::shared_info().slot_ticks / 2;  // well past the grace
    while (now() < grace) {
    }
}

volatile uint64_t slice_starts = 0;
volatile uint64_t pattern_seed = 0;     // hold_integer_registers' seed while it runs
volatile uint64_t pattern_seen = 0;     // slice starts whose preempted context holds the pattern
volatile uint64_t refusals_right = 0;   // ResumeContext refused a bad pointer and a bad pc

// The slice-start entry (an upcall): the main context, as the kernel saved it, is in the shared
// info page; here it must be the pattern the spinner holds. The first time, it also hands
// ResumeContext a pointer the kernel cannot read and a pc outside the user range: both are
// refused and the upcall goes on. Then UpcallReturn resumes the main context as it was.
void count_slice_start(uint64_t, uint64_t) {
    slice_starts = slice_starts + 1;
    const volatile abi::TrapState& preempted = exos::shared_info().preempted;
    if (uint64_t seed = pattern_seed) {
        bool held = true;
        for (int n = 18; n <= 27; ++n)
            held = held && preempted.registers[n] == seed + n; // s2..s11
        if (held) pattern_seen = pattern_seen + 1;
    }
    if (slice_starts == 1) {
        abi::TrapState bad{};
        for (int n = 1; n < 32; ++n) bad.registers[n] = preempted.registers[n];
        bad.pc = 0;  // below the user range
        bool pointer_refused =
            exos::syscall(abi::Syscall::ResumeContext, 0x10).error == abi::Error::BadAddress;
        bool pc_refused =
            exos::syscall(abi::Syscall::ResumeContext, reinterpret_cast<uint64_t>(&bad)).error ==
            abi::Error::OutOfRange;
        refusals_right = pointer_refused && pc_refused ? 1 : 0;
    }
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    mailbox::Mailbox& box = mailbox::at();
    while (box.words[0] == 0) (void)exos::yield(exos::shared_info().parent_id);  // the slot mask
    uint64_t mask = box.words[0];
    uint64_t mode = box.words[1];
    if (mode & kSliceStart) (void)exos::set_slice_start_handler(count_slice_start);
    uint64_t reserved = 0;
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if ((mask >> slot & 1) &&
            exos::syscall(abi::Syscall::SliceReserve, slot).error == abi::Error::Ok)
            ++reserved;
    }
    // The slice-end entry after the slots: the kernel must then stop ending them in the trap
    // vector (which has no slice-end upcall) and leave them to the C++.
    if (mode & kIgnoreSliceEnd) (void)exos::set_slice_end_handler(ignore_slice_end);
    box.words[4] = reserved;
    box.state = mailbox::kDone;  // reserved: waiting for the start time
    while (box.words[2] == 0) (void)exos::yield(exos::shared_info().parent_id);
    uint64_t start = box.words[2], end = box.words[3];
    uint64_t threshold = exos::shared_info().slot_ticks / 8;
    while (now() < start) {
    }
    if (mode & kIntegerRegisters) {
        // Slices given and slice-start entries seen while the registers were held.
        uint64_t slices_before = exos::shared_info().slices_started, starts_before = slice_starts;
        uint64_t seed = exos::shared_info().environment_id << 20;
        pattern_seed = seed;
        box.words[9] = hold_integer_registers(end, seed);
        pattern_seed = 0;
        box.words[10] = 0;
        box.words[5] = refusals_right;
        box.words[7] = pattern_seen;
        box.words[6] = exos::shared_info().slices_started - slices_before;
        box.words[8] = slice_starts - starts_before;
        box.state = mailbox::kReported;
        for (;;) (void)exos::yield();
    }
    uint64_t zeros[32] = {}, pattern[32];
    uint64_t nonzero_at_start = fp_differences(zeros);
    for (int i = 0; i < 32; ++i)
        pattern[i] = exos::shared_info().environment_id * 0x9e3779b97f4a7c15 + i;
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
    box.words[7] = exos::shared_info().penalties;
    box.words[8] = ignored_ends;
    box.state = mailbox::kReported;
    for (;;) (void)exos::yield();
}
