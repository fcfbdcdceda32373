// A child for the slice-end grace scenario (grace_init.cpp), in one of three roles the parent
// writes into the mailbox (words[0]), with its slot in words[1]. Until the parent arms it
// (words[3]) it behaves; armed, it misbehaves once:
// - kOverrunner: inside its slice-end upcall it releases its slot and donates the grace to the
//   neighbour (words[2]), which reserves the freed slot: the overrun must still be charged to
//   this one (a penalty, the event bit, torn out of the upcall so its main context reports).
// - kNeighbour: its slice-start upcall, the slot before the overrunner's, runs long (until
//   words[4]) and reserves the overrunner's slot once it is free: the overrunner's grace ending
//   must leave this upcall running (it finishes and reports) and the slot its, with no penalty.
// - kLone: inside its slice-end upcall it releases its slot and overruns the grace: it is
//   penalised all the same.
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../memory/mailbox.h"

namespace {

constexpr uint64_t kOverrunner = 1, kNeighbour = 2, kLone = 3;

mailbox::Mailbox& box = mailbox::at();
uint64_t slot = 0;
volatile bool handler_done = false;      // the armed slice-end upcall ran (up to its overrun)
volatile bool upcall_finished = false;   // the neighbour's long slice-start upcall completed
volatile bool reserved_in_upcall = false;
volatile bool long_upcall_used = false;

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

uint64_t round_ticks() {
    return exos::shared_info().slot_ticks * exos::shared_info().slots_per_round;
}

void overrun_after_release(uint64_t, uint64_t deadline) {
    if (box.words[3] == 0 || handler_done) return;  // not armed (or done): Yield(0) in time
    (void)exos::syscall(abi::Syscall::SliceRelease, slot);
    handler_done = true;
    if (box.words[0] == kOverrunner) {
        (void)exos::yield(box.words[2]);  // the rest of the grace to the neighbour
    } else {
        while (now() < deadline + exos::shared_info().slot_ticks / 2) {
        }
    }
    // Reached only if the grace's end left this upcall running (no penalty charged to us).
    box.words[8] = exos::shared_info().penalties;
    box.words[9] = 1;
}

void long_slice_start(uint64_t, uint64_t) {
    if (box.words[3] == 0 || long_upcall_used) return;
    long_upcall_used = true;
    uint64_t watched = box.words[1] + 1;  // the overrunner's slot, right after ours
    while (now() < box.words[4]) {
        if (!reserved_in_upcall && exos::syscall(abi::Syscall::SliceRead, watched).value == 0) {
            reserved_in_upcall =
                exos::syscall(abi::Syscall::SliceReserve, watched).error == abi::Error::Ok;
        }
    }
    upcall_finished = true;
}

void report(uint64_t owned_slot) {
    const volatile abi::SharedInfo& info = exos::shared_info();
    box.words[5] = info.penalties;
    box.words[6] = (info.events & abi::event::kSlicePenalty) != 0;
    box.words[7] = exos::syscall(abi::Syscall::SliceRead, owned_slot).value == info.environment_id;
    box.words[10] = upcall_finished;
    box.words[11] = reserved_in_upcall;
    box.state = mailbox::kReported;
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    while (box.words[0] == 0) (void)exos::yield(exos::shared_info().parent_id);
    uint64_t role = box.words[0];
    slot = box.words[1];
    if (exos::syscall(abi::Syscall::SliceReserve, slot).error != abi::Error::Ok) return 2;
    if (role == kNeighbour) {
        (void)exos::set_slice_start_handler(long_slice_start);
    } else {
        (void)exos::set_slice_end_handler(overrun_after_release);
    }
    box.state = mailbox::kDone;
    if (role == kNeighbour) {
        while (box.words[3] == 0) {
        }
        uint64_t give_up = box.words[4] + 3 * round_ticks();
        while (!upcall_finished && now() < give_up) {
        }
        report(slot + 1);
    } else {
        // Its main context: it reports once the armed upcall has run and it is back here.
        while (!handler_done) {
        }
        report(slot);
    }
    for (;;) (void)exos::yield();
}
