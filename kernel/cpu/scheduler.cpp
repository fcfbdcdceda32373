// Slot scheduling (see scheduler.h).
#include "cpu/scheduler.h"

#include <abi/shared_info.h>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap_entry.h"
#include "boot/power.h"
#include "cpu/fast_paths.h"
#include "cpu/kernel_wait.h"
#include "cpu/slice_clock.h"
#include "cpu/slice_grace.h"
#include "cpu/vector_inputs.h"
#include "environments/environment_lifecycle.h"
#include "environments/transfer.h"
#include "environments/upcall.h"
#include "kernel_state.h"
#include "memory/revocation.h"

namespace exo {
namespace {

uint64_t grace_ticks = 0;
EnvironmentId background = 0;
// The slot, its length and end, who runs it, and what the hart has: shared with the trap
// vector's timer path, and the one record of each.
SliceClock& clock = slice_clock();
// Who received the slice-end upcall: the one the grace is for, charged if it overruns.
SliceGrace grace;

// The owner's slice-end grace runs (the slot's end is the grace's). hold::kGrace follows it
// (refresh_vector_inputs).
bool in_grace() { return grace.holder() != 0; }
bool have_asids() { return (clock.hold & hold::kNoAsids) == 0; }

uint32_t narrow_slot(uint64_t value) {
    return value > 0xffffffff ? 0xffffffff : static_cast<uint32_t>(value);
}

Environment* owner_of(uint32_t index) {
    return kernel_state().environments.at_slot(kernel_state().slices.owner(index));
}

// A hart that waits in wfi with nobody to run; a wake then runs the slot's runner at once.
bool wake_while_idle = false;

// Not sleeping, or sleeping past its deadline (then woken here).
bool awake(Environment& environment) {
    if (!environment.sleeping()) return true;
    if (environment.wait_deadline == 0 || riscv::timer_now() < environment.wait_deadline)
        return false;
    wake_environment(environment);
    return true;
}

Environment* background_environment() {
    Environment* environment = kernel_state().environments.find(background);
    return environment && !environment->waiting() && awake(*environment) ? environment : nullptr;
}

// Whose registers and address space are on the CPU: fast transfers change it without the C++.
Environment* on_cpu() { return static_cast<Environment*>(riscv::hart_page().current_environment); }

void install(Environment& environment) {
    riscv::hart_page().current_environment = &environment;
    riscv::write<riscv::Csr::satp>(environment.satp);
    if (!have_asids()) riscv::flush_tlb_all();
}

// Floating point: an environment's upcalls share its main context's registers (they are its own
// code); a call entry runs on registers another environment handed over, so it has its own.
Context& fp_context(Environment& environment) {
    return environment.serving() ? environment.upcall : environment.main;
}

// The FPU holds nothing but zeros (cleared, and written by nobody since): an environment with
// no floating-point state of its own can have it as it is.
// (Kept as a hold bit: the trap vector's timer path switches the FPU too.)
bool fpu_holds_zeros() { return (clock.hold & hold::kFpuNotZero) == 0; }
void set_fpu_holds_zeros(bool zeros) { clock.set_hold(hold::kFpuNotZero, !zeros); }

void save_fpu(Environment& environment) {
    if (environment.live &&
        (environment.frame().sstatus() & riscv::sstatus::kFsMask) == riscv::sstatus::kFsMask) {
        Context& context = fp_context(environment);
        fpu_save(&context.fp);
        context.fp_saved = true;
        set_fpu_holds_zeros(false);
    }
}

void load_fpu(Environment& environment) {
    // Registers passed on by a transfer, or left by an environment that ended, were written
    // without save_fpu seeing it: the live FS field says so.
    if ((riscv::read<riscv::Csr::sstatus>() & riscv::sstatus::kFsMask) == riscv::sstatus::kFsMask) {
        set_fpu_holds_zeros(false);
    }
    Context& context = fp_context(environment);
    if (context.fp_saved) {
        fpu_restore(&context.fp);
        set_fpu_holds_zeros(false);
    } else if (!fpu_holds_zeros()) {
        fpu_clear();
        set_fpu_holds_zeros(true);
    }
    // Clean: the registers now match the saved copy (or the initial zeroes).
    riscv::TrapFrame& frame = environment.frame();
    frame.sstatus() = (frame.sstatus() & ~riscv::sstatus::kFsMask) | (2ull << 13);
}

// The FPU holds one environment's registers at a time (protected control transfers pass them on
// like the integer registers): save the leaving one's if it wrote them (sstatus.FS dirty),
// then load the arriving one's, or zeroes, so no environment reads another's floating-point
// values unless they were handed over.
void switch_fpu(Environment* leaving, Environment& arriving) {
    if (leaving) {
        save_fpu(*leaving);
    } else {
        set_fpu_holds_zeros(false);  // whoever used it last is gone, unsaved
    }
    load_fpu(arriving);
}

// A slot begins for `environment`: at its slice-start entry, as an upcall, if it has one (the
// library OS restores its own threads; what it was doing is its main context, which it reads
// in SharedInfo::preempted), else where it was.
void begin_slice(Environment& environment) {
    abi::SharedInfo& info = *environment.shared_info;
    info.current_slot = clock.slot;
    ++info.slices_started;
    (void)enter_upcall(environment, abi::Entry::SliceStart, clock.slot, clock.slot_end, 0);
}

// Who runs in the slot that begins: its owner; the environment the owner's outstanding Call went
// to, or the one that one called, and so on (a caller keeps donating its slots until the
// reply); or the background environment.
[[gnu::noinline]] Environment* end_of_call_chain(Environment* runs) {
    for (size_t hops = 0; runs != nullptr && runs->waiting() && hops < kMaxEnvironments; ++hops) {
        runs = transfer::callee_of(kernel_state().environments, *runs);
    }
    return runs && !runs->waiting() ? runs : background_environment();
}

Environment* pick_runner() {
    SliceVector& slices = kernel_state().slices;
    Environment* owner = owner_of(clock.slot);
    // A sleeping owner lets its slot go as a forfeiting one does (EventWait).
    clock.owner_had_slot =
        owner && !slices.forfeits(EnvironmentTable::slot_of(owner->id)) && awake(*owner);
    if (!clock.owner_had_slot) return background_environment();
    return owner->waiting() ? end_of_call_chain(owner) : owner;
}

void advance_slot(uint64_t now) {
    clock.slot = (clock.slot + 1) % clock.slots;
    clock.slot_end += clock.slot_ticks;
    if (clock.slot_end <= now)
        clock.slot_end = now + clock.slot_ticks; // the kernel fell behind: restart
    grace.end();
    clock.runner = pick_runner();
    if (clock.runner && clock.runner == owner_of(clock.slot)) begin_slice(*clock.runner);
}

riscv::TrapFrame* resume_runner() {
    arm_timer();
    if (clock.runner == nullptr) {
        wake_while_idle = false;  // from here on, a wake finds the hart idle
        idle();
    }
    return run(*clock.runner);
}

}  // namespace

void scheduler_init(const SliceTiming& slice_timing, bool address_space_ids) {
    grace_ticks = slice_timing.grace_ticks;
    background = 0;
    wake_while_idle = false;
    transfer::set_fast(address_space_ids && fast_paths_enabled);
    kernel_state().slices.init(slice_timing.slots);
    clock = SliceClock{};
    clock.slot_ticks = slice_timing.slot_ticks;
    clock.slots = kernel_state().slices.count();
    clock.set_hold(hold::kTimerThroughSbi, !riscv::timer_uses_sstc());
    clock.set_hold(hold::kNoAsids, !address_space_ids);
    clock.general_interrupt_bits =
        fast_paths_enabled ? riscv::interrupt::bit(riscv::interrupt::kTimer) : ~uint64_t{0};
    set_fpu_holds_zeros(false);  // nobody knows what the FPU holds at boot
}

void refresh_vector_inputs() {
    exo::refresh_vector_inputs(kernel_state(), clock, grace, on_cpu(), fast_paths_enabled);
}

EnvironmentId slice_grace_holder() { return grace.holder(); }

abi::Error reserve_slot(Environment& caller, uint64_t slot) {
    abi::Error error =
        kernel_state().slices.reserve(narrow_slot(slot), EnvironmentTable::slot_of(caller.id));
    refresh_vector_inputs();
    return error;
}

abi::Error release_slot(Environment& caller, uint64_t slot) {
    abi::Error error =
        kernel_state().slices.release(narrow_slot(slot), EnvironmentTable::slot_of(caller.id));
    refresh_vector_inputs();
    return error;
}

abi::Error change_entry(Environment& environment, uint64_t kind, uint64_t pc, uint64_t sp) {
    abi::Error error = set_entry(environment, kind, pc, sp);
    refresh_vector_inputs();  // a slice-end entry takes its slots off the vector's path
    return error;
}

void environment_created() { refresh_vector_inputs(); }

riscv::TrapFrame* scheduler_start() {
    clock.slot = 0;
    clock.slot_end = riscv::timer_now() + clock.slot_ticks;
    grace.end();
    clock.runner = pick_runner();
    if (clock.runner && clock.runner == owner_of(clock.slot)) begin_slice(*clock.runner);
    return resume_runner();
}

void arm_timer() {
    uint64_t revocation = next_revocation_deadline(kernel_state());
    // The vector's timer path sets the timer to the next slot's end only: with a revocation
    // deadline pending (hold::kRevocations), every tick is the C++'s. Every scheduler path
    // that leaves for an environment arms the timer, so the refresh is here.
    refresh_vector_inputs();
    riscv::timer_set(revocation < clock.slot_end ? revocation : clock.slot_end);
}

riscv::TrapFrame* run(Environment& environment) {
    Environment* leaving = on_cpu();
    if (leaving != &environment) {
        switch_fpu(leaving, environment);
        if (leaving) transfer::on_leave(*leaving);
        install(environment);
    }
    deliver_pending_upcalls(environment);
    transfer::on_enter(environment);
    return environment.save_area;
}

riscv::TrapFrame* transfer_to(Environment& target, bool save_leaving_fpu) {
    Environment* leaving = on_cpu();
    if (leaving && leaving != &target) {
        if (save_leaving_fpu) save_fpu(*leaving);
        transfer::on_leave(*leaving);
    }
    install(target);
    transfer::on_enter(target);
    clock.runner = &target;
    return target.save_area;
}

void end_entry_fpu(Environment& environment) { load_fpu(environment); }

void note_running() { clock.runner = on_cpu(); }

riscv::TrapFrame* scheduler_tick() {
    uint64_t now = riscv::timer_now();
    if (kernel_state().revocations_outstanding) enforce_revocation_deadlines(kernel_state(), now);
    if (now < clock.slot_end) return resume_runner();  // an early wake-up for a revocation deadline
    Environment* owner = owner_of(clock.slot);
    uint64_t grace_end = now + grace_ticks;
    if (!in_grace() && owner && clock.owner_had_slot && !owner->waiting() &&
        start_upcall(*owner, abi::Entry::SliceEnd, clock.slot, grace_end, 0)) {
        // The slice-end upcall, to the owner even if a donee was running (not while another of
        // its upcalls, call entries or events runs: then it is simply stopped).
        grace.begin(*owner);
        clock.slot_end = grace_end;
        clock.runner = owner;
        return resume_runner();
    }
    // Overran the grace: charged to whoever received the slice-end upcall, not to the slot's
    // owner now (it may have released the slot inside the grace, and another reserved it).
    if (in_grace()) (void)grace.charge_overrun(kernel_state().environments, kernel_state().slices);
    advance_slot(now);
    return resume_runner();
}

riscv::TrapFrame* yield_slot(Environment& caller, Environment* target) {
    if (target != nullptr && target->sleeping()) target = nullptr;  // its main context waits
    if (target != nullptr) {
        clock.runner = target;  // a donation: the target runs until the slot ends
        return run(*target);
    }
    if (in_grace() && grace.held_by(caller)) {
        // Done saving: the slice-end upcall is over (the context it interrupted is where the
        // environment continues, unless its slice-start entry decides otherwise) and the next
        // slot starts now.
        caller.in_upcall = false;  // (its save area follows in resume_runner's refresh)
        advance_slot(riscv::timer_now());
        return resume_runner();
    }
    clock.runner = background_environment();
    if (clock.runner == &caller) clock.runner = nullptr;
    return resume_runner();
}

void run_next_after_exit() {
    if (clock.runner == nullptr || !clock.runner->live) {
        Environment* owner = owner_of(clock.slot);
        clock.runner = owner && awake(*owner) ? owner : background_environment();
    }
    if (kernel_state().environments.live_count() == 0) shutdown(0);
    // The dead environment's syscall frame is abandoned: the next trap starts the kernel stack
    // afresh from the hart's stack top.
    return_to_user(resume_runner());
}

riscv::TrapFrame* sleep_environment(Environment& caller) {
    return yield_slot(caller, nullptr);  // its slots are skipped while it sleeps (pick_runner)
}

void wake_environment(Environment& environment) {
    uint64_t bits = environment.posted_events & environment.wait_events;
    environment.posted_events &= ~bits;
    environment.wait_events = 0;
    environment.wait_deadline = 0;
    // It sleeps in EventWait on its main context, which returns Ok (set when it went to sleep)
    // and the bits.
    environment.main.frame->x[riscv::reg::a1] = bits;
    if (clock.runner == nullptr) wake_while_idle = true;
    refresh_vector_inputs();  // its slots are the vector's again
}

bool take_wake_while_idle() {
    bool woke = wake_while_idle;
    wake_while_idle = false;
    return woke;
}

riscv::TrapFrame* run_after_wake() {
    clock.runner = pick_runner();
    return resume_runner();
}

void scheduler_forget(Environment& environment) {
    kernel_state().slices.release_all(EnvironmentTable::slot_of(environment.id));
    if (background == environment.id) background = 0;
    if (clock.runner == &environment) clock.runner = nullptr;
    if (on_cpu() == &environment) riscv::hart_page().current_environment = nullptr;
    refresh_vector_inputs();
}

abi::Error set_background(Environment* environment) {
    background = environment ? environment->id : 0;
    refresh_vector_inputs(); // (nothing the vector reads follows it today: a free slot's tick is
                             // the C++'s)
    return abi::Error::Ok;
}

EnvironmentId background_id() { return background; }

void idle() {
    clock.runner = nullptr;
    // Wait with interrupts on; the timer (or a device) interrupt lands in handle_kernel_trap,
    // which leaves for an environment from there when one is due.
    idle_on_kernel_stack();
}

}  // namespace exo

extern "C" [[noreturn]] void idle_wait() {
    for (;;) {
        exo::zero_free_frames_while_idle();
        exo::wait_for_interrupt_and_take_it();
    }
}
