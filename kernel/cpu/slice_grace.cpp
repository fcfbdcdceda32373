// The slice-end grace's charge (see slice_grace.h).
#include "cpu/slice_grace.h"

#include <abi/shared_info.h>

namespace exo {

Environment* SliceGrace::charge_overrun(EnvironmentTable& environments, SliceVector& slices) {
    Environment* holder = environments.find(holder_);
    holder_ = 0;
    if (holder == nullptr) return nullptr;
    // The kernel keeps the context the upcall interrupted (the main context, in
    // SharedInfo::preempted); the upcall context is abandoned.
    if (holder->in_upcall) {
        holder->in_upcall = false;
        holder->save_area = holder->main.frame;
    }
    slices.penalize(EnvironmentTable::slot_of(holder->id));
    abi::SharedInfo& info = *holder->shared_info;
    ++info.penalties;
    info.events |= abi::event::kSlicePenalty;
    return holder;
}

}  // namespace exo
