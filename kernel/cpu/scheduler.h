// The CPU as slots: each slot of the slice vector runs its owner (or whoever the owner donates
// to), a designated background environment when free, or nobody (the hart waits in wfi). At a
// slot's end its owner gets a slice-end upcall and a grace period; overrunning it costs the next
// slot. At a slot's start an owner with a slice-start entry is entered there, so its library OS
// schedules its own threads. The kernel holds no priorities and no other policy.
#pragma once

#include <cstdint>

#include "environments/environment.h"

namespace exo {

struct SliceTiming {
    uint32_t slots;
    uint64_t slot_ticks;   // timer ticks per slot
    uint64_t grace_ticks;  // after the slice-end upcall
};

void scheduler_init(const SliceTiming& timing, bool address_space_ids);
// Starts slot 0 now; returns the frame to enter (the first environment owns every slot).
riscv::TrapFrame* scheduler_start();

// Makes `environment` the one on the CPU: satp, FPU, pending upcalls. Returns its frame.
riscv::TrapFrame* run(Environment& environment);
// A protected control transfer's switch: the FPU's registers pass on with the integer ones
// (the leaving environment's are saved first when it continues later, as after a Send).
riscv::TrapFrame* transfer_to(Environment& target, bool save_leaving_fpu);
// A call entry ends: the main context gets its own floating-point registers back.
void end_entry_fpu(Environment& environment);
// A trap from U-mode: whoever is on the CPU is this slot's runner (fast transfers move it).
void note_running();
// The timer interrupt: revocation deadlines, slot ends and starts.
riscv::TrapFrame* scheduler_tick();
// Yield: give the rest of the slot to `target`, or give it up (nullptr). From the owner inside
// its slice-end grace, giving up ends the slot at once, without penalty.
riscv::TrapFrame* yield_slot(Environment& caller, Environment* target);
// After the running environment ended: whoever the slot falls to now.
[[noreturn]] void run_next_after_exit();
// EventWait (cpu/events.h): the caller, on the CPU with its wait recorded and its registers set,
// stops; its slots go to the background environment (or the hart waits) until it is woken.
riscv::TrapFrame* sleep_environment(Environment& caller);
// Ends a sleep: the latched bits it waited for go to its a1 (0 for a deadline), and it runs at
// its next slot, or at once if the hart waits idle (run_after_wake).
void wake_environment(Environment& environment);
// Whether a wake happened while the hart waited with nobody to run; consumes it.
bool take_wake_while_idle();
// The current slot's runner again, after such a wake (no slice-start upcall: the slot was
// already under way).
riscv::TrapFrame* run_after_wake();
// The single invalidation point (vector_inputs.h): recomputes everything the trap vector reads
// that follows from the kernel's state. Every change below ends with it.
void refresh_vector_inputs();
// Who received the slice-end upcall whose grace runs (0: none), for tests and the audit.
EnvironmentId slice_grace_holder();
abi::Error reserve_slot(Environment& caller, uint64_t slot);
abi::Error release_slot(Environment& caller, uint64_t slot);
// EnvSetEntry (environment_lifecycle.h's set_entry), then the refresh.
abi::Error change_entry(Environment& environment, uint64_t kind, uint64_t pc, uint64_t sp);
// After create_environment: the new environment's gate.
void environment_created();
// Called by destroy: forget the environment (slots, background, runner).
void scheduler_forget(Environment& environment);
abi::Error set_background(Environment* environment);
EnvironmentId background_id();  // 0: none
void arm_timer();

// Enters the idle loop on a fresh kernel stack (nobody to run until the next interrupt).
[[noreturn]] void idle();

}  // namespace exo
