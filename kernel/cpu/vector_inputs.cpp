// The trap vector's inputs, recomputed (see vector_inputs.h).
#include "cpu/vector_inputs.h"

#include "environments/transfer.h"

namespace exo {

namespace {

// The vector ends and starts a slot itself only for a reserved slot whose owner has no
// slice-end entry (that upcall and its grace are the C++'s) and is not sleeping.
void refresh_fast_owners(KernelState& state, SliceClock& clock) {
    SliceVector& slices = state.slices;
    for (uint32_t index = 0; index < slices.count(); ++index) {
        Environment* owner = state.environments.at_slot(slices.owner(index));
        bool has_slice_end =
            owner && owner->entries[static_cast<size_t>(abi::Entry::SliceEnd)].pc != 0;
        // A sleeping owner's slot is the C++'s: its slot goes to others (EventWait).
        bool sleeping = owner && owner->sleeping();
        clock.fast_owners[index] = has_slice_end || sleeping ? nullptr : owner;
    }
    clock.fast_owners[slices.count()] = clock.fast_owners[0];  // the next owner is always at +1
}

}  // namespace

void refresh_vector_inputs(KernelState& state, SliceClock& clock, const SliceGrace& grace,
                           const Environment* on_cpu, bool fast_paths) {
    refresh_fast_owners(state, clock);
    clock.set_hold(hold::kGrace, grace.holder() != 0);
    clock.set_hold(hold::kPenalties, state.slices.any_penalties());
    clock.set_hold(hold::kRevocations, state.revocations_outstanding);
    clock.set_hold(hold::kFastPathsOff, !fast_paths);
    state.environments.for_each_live([&](Environment& environment) {
        transfer::refresh_gate(environment, &environment == on_cpu);
    });
}

}  // namespace exo
