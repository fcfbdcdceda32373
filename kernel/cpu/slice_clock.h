// The slot clock: the scheduler state the trap vector's timer path reads, and advances itself
// when a slot ends in the common case (trap_entry.S, "A slot ends"). Anything else about the
// tick is the C++'s (scheduler.cpp), which the vector calls whenever `hold` is nonzero or a
// check fails. It lives on the hart page (HartPage::scheduler), where the vector reaches it as
// `offset(zero)`; its offsets are generated from this struct (arch/riscv64/asm_offsets.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/riscv64/hart_page.h"
#include "arch/riscv64/sbi.h"
#include "cpu/slice_vector.h"
#include "environments/environment.h"

namespace exo {

// Why a tick takes the C++ path (all but kFpuNotZero and kTimerThroughSbi, which the vector's
// second form handles).
namespace hold {
inline constexpr uint64_t kGrace = 1 << 0;            // the owner is in its slice-end grace
inline constexpr uint64_t kPenalties = 1 << 1;        // some owner forfeits a coming slot
inline constexpr uint64_t kFpuNotZero = 1 << 2;       // the FPU holds someone's values (the one
                                                      // record of it, for the C++ too)
inline constexpr uint64_t kRevocations = 1 << 3;      // a revocation deadline is pending
// No Sstc: the vector still ends slots itself, setting the timer by an SBI call.
inline constexpr uint64_t kTimerThroughSbi = 1 << 4;
inline constexpr uint64_t kNoAsids = 1 << 5;          // switching address spaces needs a flush
inline constexpr uint64_t kFastPathsOff = 1 << 6;     // every tick is the C++'s (fast_paths.h)
}  // namespace hold

struct SliceClock {
    uint64_t slot_end;    // time CSR ticks: the current slot ends
    uint64_t slot_ticks;  // one slot
    uint64_t slot;        // the current slot's index
    uint64_t slots;       // slots per round
    uint64_t hold;        // hold:: bits: any but two (see above) send every tick to the C++
    Environment* runner;  // who runs in this slot (nullptr: the hart idles)
    uint64_t owner_had_slot; // nonzero: the owner ran (or donated) this slot; it gets the slice-end
    // Each slot's owner when the vector may end and start its slot itself: reserved, and with
    // no slice-end entry (that upcall and its grace are the C++'s). nullptr otherwise. One
    // more entry: after the last slot, a copy of the first, so the next owner is always at +1.
    Environment* fast_owners[SliceVector::kMaxSlots + 1];
    // The sip bits that send a device interrupt to the general path (handle_interrupt_fast):
    // the timer's, or every bit when the fast paths are off (a device interrupt has its own
    // bit pending then). On the hart page, so the check costs what testing a constant does.
    uint64_t general_interrupt_bits;

    void set_hold(uint64_t reason, bool on) { hold = on ? (hold | reason) : (hold & ~reason); }
};

static_assert(sizeof(SliceClock) <= sizeof(riscv::HartPage::scheduler));

inline SliceClock& slice_clock() {
    return *reinterpret_cast<SliceClock*>(riscv::hart_page().scheduler);
}

}  // namespace exo
