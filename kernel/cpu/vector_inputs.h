// What the trap vector's fast paths read but never decide, recomputed in one place.
//
// The vector performs switches; the C++ decides them. Every input the vector reads that the
// C++ derives from its own state is written here, from that state, and nowhere else:
//   - SliceClock::fast_owners: each slot's owner when the vector may end and start its slot
//     itself (reserved, no slice-end entry), the first again after the last;
//   - the SliceClock::hold bits that follow from state: kGrace (a slice-end grace runs),
//     kPenalties (some owner forfeits a coming slot), kRevocations (a deadline is pending),
//     kFastPathsOff; kFpuNotZero is not derived (it is the one record of what the FPU holds)
//     and kTimerThroughSbi and kNoAsids are the hart's, set once at boot;
//   - each environment's gate and save area (transfer::refresh_gate: open to a fast Call
//     while it waits off the CPU and accepts one, its active context's frame otherwise);
//   - the directory, which EnvironmentTable keeps as environments come and go.
// Every path that changes what these derive from calls refresh_vector_inputs (the scheduler's
// wrapper, scheduler.h), or transfer::refresh_gate for the two environments a switch moves;
// tests/host/vector_inputs_test.cpp drives each path and compares with a model built from
// scratch, so a path that skips the refresh fails there.
#pragma once

#include "cpu/slice_clock.h"
#include "cpu/slice_grace.h"
#include "environments/environment.h"
#include "kernel_state.h"

namespace exo {

// The hold bits refresh_vector_inputs derives (the rest it leaves as they are).
inline constexpr uint64_t kDerivedHolds =
    hold::kGrace | hold::kPenalties | hold::kRevocations | hold::kFastPathsOff;

// `on_cpu`: the environment whose registers are on the CPU (nullptr while the hart idles).
void refresh_vector_inputs(KernelState& state, SliceClock& clock, const SliceGrace& grace,
                           const Environment* on_cpu, bool fast_paths);

}  // namespace exo
