// A victim: keeps a checksummed workload in its own pages and re-verifies it whenever it runs,
// while a hostile environment attacks the kernel. Reports through its mailbox.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../memory/mailbox.h"

namespace {

constexpr uint64_t kBase = 0x30000000;
constexpr uint64_t kPages = 16;
constexpr uint64_t kWords = kPages * 4096 / 8;

uint64_t frames[kPages];

uint64_t checksum() {
    const volatile uint64_t* words = reinterpret_cast<volatile uint64_t*>(kBase);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < kWords; ++i) sum = (sum ^ words[i]) * 0x100000001b3ull;
    return sum;
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    const volatile abi::SharedInfo& info = exos::shared_info();
    // Two slots of the round are ours (the parent freed 12-15 for the two victims).
    uint64_t my_slots[2] = {0, 0};
    uint64_t got = 0;
    for (uint64_t slot = 12; slot < 16 && got < 2; ++slot) {
        if (exos::syscall(abi::Syscall::SliceReserve, slot).error == abi::Error::Ok)
            my_slots[got++] = slot;
    }
    // Tables for the workload region come from the spare frames the parent gave.
    for (uint64_t i = 3; i < 5 && i < info.initial_frame_count; ++i) {
        (void)exos::page_table_donate(info.initial_frames[i]);
    }
    uint64_t state = 0x9e3779b97f4a7c15ull ^ info.environment_id;
    for (uint64_t p = 0; p < kPages; ++p) {
        frames[p] = exos::frame_alloc().value;
        if (exos::map(kBase + p * 4096, frames[p], 1,
                      abi::permission::kRead | abi::permission::kWrite) != abi::Error::Ok) {
            return 2;
        }
        // Essential: the kernel may never take these, even under memory pressure.
        (void)exos::frame_set_essential(frames[p], true);
    }
    volatile uint64_t* words = reinterpret_cast<volatile uint64_t*>(kBase);
    for (uint64_t i = 0; i < kWords; ++i) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        words[i] = state;
    }
    const uint64_t expected = checksum();
    uint64_t verifications = 0, mismatches = 0;
    mailbox::at().state = mailbox::kDone;  // workload in place
    for (;;) {
        if (checksum() != expected) ++mismatches;
        ++verifications;
        if (mailbox::at().value == 1) {  // the parent asks for the final report
            uint64_t my_slot = (info.environment_id & 0xffff) - 1;
            uint64_t kept = 0;
            for (uint64_t frame : frames) {
                uint64_t state_now = exos::frame_query(frame);
                kept += abi::frame_info_state(state_now) == abi::FrameState::Owned &&
                        abi::frame_info_owner_slot(state_now) == my_slot &&
                        abi::frame_info_map_count(state_now) == 1;
            }
            uint64_t slots_kept = 0;
            for (uint64_t i = 0; i < got; ++i) {
                slots_kept += exos::syscall(abi::Syscall::SliceRead, my_slots[i]).value ==
                              info.environment_id;
            }
            exos::printf(
                "victim %lu: %lu verifications, %lu checksum mismatches, %lu of %lu frames kept, "
                "%lu of 2 slots kept\n",
                my_slot, verifications, mismatches, kept, kPages, slots_kept);
            mailbox::at().value = mismatches == 0 && kept == kPages && slots_kept == 2 ? 2 : 3;
            mailbox::at().state = mailbox::kReported;
        }
        (void)exos::yield(info.parent_id);
    }
}
