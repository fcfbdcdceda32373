// Visible revocation and the abort protocol: the kernel asks an environment for frames (its
// shared page and a revocation upcall say how many and by when); the library OS picks which to
// free. Past the deadline the kernel takes the rest itself, breaks their bindings and records
// them in the repossession vector. Essential frames are never taken.
#pragma once

#include <abi/shared_info.h>
#include <cstdint>

#include "kernel_state.h"

namespace exo {

void request_revocation(KernelState& state, Environment& environment, uint64_t count,
                        uint64_t deadline);
// A frame the environment freed counts toward its outstanding request.
void note_frame_returned(KernelState& state, Environment& environment);
// Takes up to `count` frames (unmapped ones first) that are not essential, kernel-bound or
// pinned; returns how many it took.
uint64_t repossess(KernelState& state, Environment& environment, uint64_t count);
// Runs the abort protocol on every request whose deadline is at or before `now`.
void enforce_revocation_deadlines(KernelState& state, uint64_t now);
// The earliest outstanding deadline, or ~0 when there is none.
uint64_t next_revocation_deadline(KernelState& state);

}  // namespace exo
