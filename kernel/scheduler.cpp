// The placeholder round-robin (see scheduler.h).
#include "scheduler.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/timer.h"
#include "power.h"
#include "revocation.h"
#include "system.h"
#include "trap.h"
#include "upcall.h"

namespace exo {
namespace {

Environment* current = nullptr;  // as installed by run(); the hart page follows on return
uint64_t quantum = 0;
bool have_asids = false;

}  // namespace

void scheduler_init(uint64_t timebase_hz, bool address_space_ids) {
    quantum = timebase_hz / 100;  // 10 ms
    have_asids = address_space_ids;
}

void arm_timer() {
    uint64_t deadline = riscv::timer_now() + quantum;
    uint64_t revocation = next_revocation_deadline(kernel_state());
    riscv::timer_set(revocation < deadline ? revocation : deadline);
}

// The FPU holds one environment's registers at a time: save the leaving one's if it wrote
// them (sstatus.FS dirty), then load the arriving one's, or zeroes, so no environment ever
// reads another's floating-point values.
void switch_fpu(Environment* leaving, Environment& arriving) {
    if (leaving && leaving->live &&
        (leaving->frame.sstatus & riscv::sstatus::kFsMask) == riscv::sstatus::kFsMask) {
        fpu_save(&leaving->fp);
        leaving->fp_saved = true;
    }
    if (arriving.fp_saved) {
        fpu_restore(&arriving.fp);
    } else {
        fpu_clear();
    }
    // Clean: the registers now match the saved copy (or the initial zeroes).
    arriving.frame.sstatus = (arriving.frame.sstatus & ~riscv::sstatus::kFsMask) | (2ull << 13);
}

riscv::TrapFrame* run(Environment& environment) {
    if (current != &environment) {
        switch_fpu(current, environment);
        current = &environment;
        riscv::hart_page().current_frame = &environment.frame;
        riscv::write<riscv::Csr::satp>(
            sv39::make_satp(environment.space.root_pfn, have_asids ? environment.space.asid : 0));
        if (!have_asids) riscv::flush_tlb_all();
    }
    deliver_pending_upcalls(environment);
    return &environment.frame;
}

Environment* next_in_turn() {
    EnvironmentTable& table = kernel_state().environments;
    EnvironmentSlot start = current && current->live ? EnvironmentTable::slot_of(current->id) : 0;
    for (size_t step = 1; step <= kMaxEnvironments; ++step) {
        if (Environment* candidate = table.at_slot((start + step) % kMaxEnvironments)) {
            return candidate;
        }
    }
    return nullptr;
}

riscv::TrapFrame* scheduler_tick() {
    enforce_revocation_deadlines(kernel_state(), riscv::timer_now());
    arm_timer();
    Environment* next = next_in_turn();
    return run(next ? *next : *current);
}

void run_next_after_exit() {
    Environment* next = next_in_turn();
    if (next == nullptr) shutdown(0);
    arm_timer();
    // The dead environment's syscall frame is abandoned: the next trap starts the kernel stack
    // afresh from the hart's stack top.
    return_to_user(run(*next));
}

}  // namespace exo
