// The slice-end grace's bookkeeping: which environment received the slice-end upcall, and what
// overrunning the grace costs it. The scheduler keeps the phase (SliceClock's hold::kGrace); this
// is who it is for, as logic the host tests drive.
#pragma once

#include "cpu/slice_vector.h"
#include "environments/environment.h"

namespace exo {

class SliceGrace {
public:
    // The slice-end upcall went to `holder`: the grace is its, whoever owns the slot later.
    void begin(const Environment& holder) { holder_ = holder.id; }
    void end() { holder_ = 0; }
    EnvironmentId holder() const { return holder_; }

    // Only the environment that received the upcall ends the grace early (Yield(0)), whether or
    // not it still owns the slot: one that reserved the slot meanwhile has no grace to end.
    bool held_by(const Environment& environment) const {
        return holder_ != 0 && environment.id == holder_;
    }

    // The grace ran out: the environment that received the upcall is charged (a slot forfeited,
    // SharedInfo::penalties, event::kSlicePenalty) and torn out of its upcall, so its main
    // context is what continues; the grace ends. The slot's owner now is never looked at: the
    // holder may have released the slot inside the grace, and another environment reserved it.
    // The id is generation-checked: a holder that died meanwhile leaves nothing to charge, to
    // anyone. Returns the environment charged, or nullptr.
    Environment* charge_overrun(EnvironmentTable& environments, SliceVector& slices);

private:
    EnvironmentId holder_ = 0;  // 0: no grace in progress
};

}  // namespace exo
