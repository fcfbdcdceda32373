// Slot scheduling (see scheduler.h).
#include "scheduler.h"

#include <abi/shared_info.h>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/timer.h"
#include "power.h"
#include "revocation.h"
#include "system.h"
#include "transfer.h"
#include "trap.h"
#include "upcall.h"

extern "C" [[noreturn]] void idle_on_kernel_stack();

namespace exo {
namespace {

enum class Phase { Running, Grace };

SliceTiming timing{};
bool have_asids = false;
Environment* runner = nullptr;   // who runs in this slot now (nullptr: the hart idles)
uint32_t slot = 0;
uint64_t slot_end = 0;
Phase phase = Phase::Running;
bool owner_had_slot = false;  // the owner ran (or donated) this slot: it gets the slice-end
EnvironmentId background = 0;

Environment* owner_of(uint32_t index) {
    return kernel_state().environments.at_slot(kernel_state().slices.owner(index));
}

Environment* background_environment() {
    Environment* environment = kernel_state().environments.find(background);
    return environment && !environment->waiting() ? environment : nullptr;
}

// Whose registers and address space are on the CPU: fast transfers change it without the C++.
Environment* on_cpu() { return static_cast<Environment*>(riscv::hart_page().current_environment); }

void install(Environment& environment) {
    riscv::hart_page().current_environment = &environment;
    riscv::write<riscv::Csr::satp>(environment.satp);
    if (!have_asids) riscv::flush_tlb_all();
}

// Floating point: an environment's upcalls share its main context's registers (they are its own
// code); a call entry runs on registers another environment handed over, so it has its own.
Context& fp_context(Environment& environment) { return environment.serving() ? environment.upcall : environment.main; }

// The FPU holds nothing but zeros (cleared, and written by nobody since): an environment with
// no floating-point state of its own can have it as it is.
bool fpu_holds_zeros = false;

void save_fpu(Environment& environment) {
    if (environment.live && (environment.frame().sstatus() & riscv::sstatus::kFsMask) == riscv::sstatus::kFsMask) {
        Context& context = fp_context(environment);
        fpu_save(&context.fp);
        context.fp_saved = true;
        fpu_holds_zeros = false;
    }
}

void load_fpu(Environment& environment) {
    // Registers passed on by a transfer, or left by an environment that ended, were written
    // without save_fpu seeing it: the live FS field says so.
    if ((riscv::read<riscv::Csr::sstatus>() & riscv::sstatus::kFsMask) == riscv::sstatus::kFsMask) {
        fpu_holds_zeros = false;
    }
    Context& context = fp_context(environment);
    if (context.fp_saved) {
        fpu_restore(&context.fp);
        fpu_holds_zeros = false;
    } else if (!fpu_holds_zeros) {
        fpu_clear();
        fpu_holds_zeros = true;
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
        fpu_holds_zeros = false;  // whoever used it last is gone, unsaved
    }
    load_fpu(arriving);
}

// A slot begins for `environment`: at its slice-start entry, as an upcall, if it has one (the
// library OS restores its own threads; what it was doing is its main context, which it reads
// in SharedInfo::preempted), else where it was.
void begin_slice(Environment& environment) {
    abi::SharedInfo& info = *environment.shared_info;
    info.current_slot = slot;
    ++info.slices_started;
    (void)enter_upcall(environment, abi::Entry::SliceStart, slot, slot_end, 0);
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
    Environment* owner = owner_of(slot);
    owner_had_slot = owner && !kernel_state().slices.forfeits(EnvironmentTable::slot_of(owner->id));
    if (!owner_had_slot) return background_environment();
    return owner->waiting() ? end_of_call_chain(owner) : owner;
}

void advance_slot(uint64_t now) {
    slot = (slot + 1) % timing.slots;
    slot_end += timing.slot_ticks;
    if (slot_end <= now) slot_end = now + timing.slot_ticks;  // the kernel fell behind: restart
    phase = Phase::Running;
    runner = pick_runner();
    if (runner && runner == owner_of(slot)) begin_slice(*runner);
}

riscv::TrapFrame* resume_runner() {
    arm_timer();
    if (runner == nullptr) idle();
    return run(*runner);
}

}  // namespace

void scheduler_init(const SliceTiming& slice_timing, bool address_space_ids) {
    timing = slice_timing;
    have_asids = address_space_ids;
    transfer::set_fast(address_space_ids);
    kernel_state().slices.init(timing.slots);
}

riscv::TrapFrame* scheduler_start() {
    slot = 0;
    slot_end = riscv::timer_now() + timing.slot_ticks;
    phase = Phase::Running;
    runner = pick_runner();
    if (runner && runner == owner_of(slot)) begin_slice(*runner);
    return resume_runner();
}

void arm_timer() {
    uint64_t revocation = next_revocation_deadline(kernel_state());
    riscv::timer_set(revocation < slot_end ? revocation : slot_end);
}

riscv::TrapFrame* run(Environment& environment) {
    Environment* leaving = on_cpu();
    if (leaving != &environment) {
        switch_fpu(leaving, environment);
        if (leaving) transfer::on_leave(*leaving);
        install(environment);
    }
    transfer::on_enter(environment);
    deliver_pending_upcalls(environment);
    environment.save_area = &environment.frame();
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
    runner = &target;
    return target.save_area;
}

void end_entry_fpu(Environment& environment) { load_fpu(environment); }

void note_running() { runner = on_cpu(); }

riscv::TrapFrame* scheduler_tick() {
    uint64_t now = riscv::timer_now();
    if (kernel_state().revocations_outstanding) enforce_revocation_deadlines(kernel_state(), now);
    if (now < slot_end) return resume_runner();  // an early wake-up for a revocation deadline
    Environment* owner = owner_of(slot);
    if (phase == Phase::Running && owner && owner_had_slot && !owner->in_upcall &&
        !owner->serving() && !owner->waiting() &&
        owner->entries[static_cast<size_t>(abi::Entry::SliceEnd)].pc != 0) {
        // The slice-end upcall, to the owner even if a donee was running.
        phase = Phase::Grace;
        slot_end = now + timing.grace_ticks;
        (void)start_upcall(*owner, abi::Entry::SliceEnd, slot, slot_end, 0);
        runner = owner;
        return resume_runner();
    }
    if (phase == Phase::Grace && owner) {
        // Overran the grace: the kernel keeps the context it interrupted (the main context, in
        // SharedInfo::preempted) and charges a slot.
        if (owner->in_upcall) {
            owner->in_upcall = false;
            owner->save_area = owner->main.frame;
        }
        kernel_state().slices.penalize(EnvironmentTable::slot_of(owner->id));
        abi::SharedInfo& info = *owner->shared_info;
        ++info.penalties;
        info.events |= abi::event::kSlicePenalty;
    }
    advance_slot(now);
    return resume_runner();
}

riscv::TrapFrame* yield_slot(Environment& caller, Environment* target) {
    if (target != nullptr) {
        runner = target;  // a donation: the target runs until the slot ends
        return run(*target);
    }
    if (phase == Phase::Grace && owner_of(slot) == &caller) {
        // Done saving: the slice-end upcall is over (the context it interrupted is where the
        // environment continues, unless its slice-start entry decides otherwise) and the next
        // slot starts now.
        if (caller.in_upcall) {
            caller.in_upcall = false;
            caller.save_area = caller.main.frame;
        }
        advance_slot(riscv::timer_now());
        return resume_runner();
    }
    runner = background_environment();
    if (runner == &caller) runner = nullptr;
    return resume_runner();
}

void run_next_after_exit() {
    if (runner == nullptr || !runner->live) {
        Environment* owner = owner_of(slot);
        runner = owner ? owner : background_environment();
    }
    if (kernel_state().environments.live_count() == 0) shutdown(0);
    // The dead environment's syscall frame is abandoned: the next trap starts the kernel stack
    // afresh from the hart's stack top.
    return_to_user(resume_runner());
}

void scheduler_forget(Environment& environment) {
    kernel_state().slices.release_all(EnvironmentTable::slot_of(environment.id));
    if (background == environment.id) background = 0;
    if (runner == &environment) runner = nullptr;
    if (on_cpu() == &environment) riscv::hart_page().current_environment = nullptr;
}

abi::Error set_background(Environment* environment) {
    background = environment ? environment->id : 0;
    return abi::Error::Ok;
}

void idle() {
    runner = nullptr;
    // Wait with interrupts on; the timer (or a device) interrupt lands in handle_kernel_trap,
    // which leaves for an environment from there when one is due.
    idle_on_kernel_stack();
}

}  // namespace exo

extern "C" [[noreturn]] void idle_wait() {
    for (;;) {
        exo::zero_free_frames_while_idle();
        riscv::set_bits<riscv::Csr::sstatus>(riscv::sstatus::kSie);
        riscv::wait_for_interrupt();
        riscv::clear_bits<riscv::Csr::sstatus>(riscv::sstatus::kSie);
    }
}
