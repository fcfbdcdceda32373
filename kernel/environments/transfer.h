// Protected control transfer, the logic: who may call whom, what each side's state becomes,
// and the gate each environment shows the trap vector. The trap vector performs the common
// Call and Reply itself (arch/riscv64/trap_entry.S); everything it refuses comes here, where
// the error is named, and the rarer forms (Send, replies the vector may not make, a party that
// died) are carried out. Host tests drive this file directly.
//
// The state lives in a few Environment words (environment.h), shared with the vector:
//   gate       == id: accepts a call. 0: does not. A caller (gate::): serves that call.
//   resume_pc  != 0: waits for a reply, to resume after the ecall at resume_pc, sp = resume_sp.
//   save_area  where a trap saves the registers: the active context while running, and the
//              upcall context, preset, while it accepts (a fast call enters without the C++).
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include "arch/riscv64/trap_frame.h"
#include "environments/environment.h"

namespace exo::transfer {

// Fast transfers switch satp without a TLB flush, so they need an ASID per environment.
// Without ASIDs no gate opens and every transfer takes the C++ path.
void set_fast(bool enabled);
bool fast();

// The one decision of an environment's gate and save area (vector_inputs.h), from its state:
// a serving environment's gate is that state itself and stays; any other is open (its id,
// with its upcall context preset as where a fast Call's entry runs) exactly while it is off
// the CPU, fast transfers are on and it accepts a call; closed (0) otherwise, saving into its
// active context. Called for the two environments every switch moves, and for every live one
// by refresh_vector_inputs.
void refresh_gate(Environment& environment, bool on_cpu);
inline void on_enter(Environment& environment) { refresh_gate(environment, true); }
inline void on_leave(Environment& environment) { refresh_gate(environment, false); }
// Whether a Call or Send may enter `environment` now (the gate's rule, for the C++ paths).
bool accepts(const Environment& environment);

struct Outcome {
    abi::Error error;       // Ok, or what the caller's a0 says
    Environment* next;      // who runs now (nullptr on an error: the caller continues)
};

// `frame` is the caller's saved state with pc past the ecall. On success the target's upcall
// context holds the caller's registers with pc/sp at the entry and a0 = the caller's id.
Outcome call(EnvironmentTable& environments, Environment& caller, riscv::TrapFrame& frame,
             uint64_t entry);
// As call, but the caller does not wait: its a0 = Ok and it runs again when scheduled.
Outcome send(EnvironmentTable& environments, Environment& caller, riscv::TrapFrame& frame,
             uint64_t entry);
// The caller resumes with the callee's registers, a0 = Ok, after its ecall.
Outcome reply(Environment& callee, riscv::TrapFrame& frame);
// UpcallReturn: the upcall, or the call entry with nobody to reply to (after a Send, or a caller
// that died), is over; the main context runs next. NotPermitted while a caller waits (reply
// instead); NotInUpcall outside both.
abi::Error end_upcall(Environment& environment);

// Whom `caller` waits for (nullptr when it does not wait).
Environment* callee_of(EnvironmentTable& environments, const Environment& caller);
// An environment ends: calls waiting on it fail with NoSuchEnvironment, entries serving it are
// left with nobody to reply to.
void release(EnvironmentTable& environments, Environment& ending);

}  // namespace exo::transfer
