// Every number the assembly shares with the C++, taken from the C++ types themselves (Linux's and
// Zircon's asm-offsets step). This file is compiled to assembly only (-S), never linked:
// cmake/asm_offsets.cmake turns each marker below into `#define NAME value` in the generated
// asm_offsets.h, which trap_entry.S and boot.S include. Change a struct and the assembly follows
// at the next build; nothing is kept by hand.
#include <abi/shared_info.h>
#include <abi/syscall.h>
#include <abi/trap_page.h>
#include <cstddef>
#include <cstdint>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/fpu.h"
#include "arch/riscv64/hart_page.h"
#include "arch/riscv64/memory_layout.h"
#include "arch/riscv64/sbi.h"
#include "arch/riscv64/trap_frame.h"
#include "cpu/slice_clock.h"
#include "environments/environment.h"

// One marker: `.ascii "->NAME value"` in the compiler's output, where "i" makes the compiler
// print the value as the constant it is (a build error if it is not one).
#define EXO_ASM_CONSTANT(name, value) \
    asm volatile(".ascii \"->" #name " %0\"" ::"i"(static_cast<int64_t>(value)))

namespace {

using exo::Environment;
using riscv::HartPage;

// An offset into the hart page as the vector writes it: from address 0, which is the page's end.
constexpr int64_t hart(size_t offset) {
    return static_cast<int64_t>(offset) - static_cast<int64_t>(sizeof(HartPage));
}

constexpr uint64_t log2(uint64_t value) { return value <= 1 ? 0 : 1 + log2(value / 2); }
// The vector indexes the entries with a shift.
static_assert(sizeof(exo::UpcallEntry) == uint64_t{1} << log2(sizeof(exo::UpcallEntry)));
// The gate's serving bits are its top two (kernel/environments/environment.h): a shift tests them.
static_assert(exo::gate::kServingNobody == uint64_t{1} << 62 && exo::gate::kTopBit == uint64_t{1}
                                                                                          << 63);
static_assert(exo::EnvironmentTable::kDirectorySize == riscv::kDirectorySlots);
static_assert(abi::kTrapPageBusyHandlerRuns > 1, "above 1: the handler runs (1: no handler)");
// The directory's trick needs the gate at offset 0 (its stand-in words are gates).
static_assert(offsetof(Environment, gate) == 0);
// The vector reads the two pending flags as one halfword.
static_assert(offsetof(Environment, event_upcall_pending) ==
                  offsetof(Environment, revocation_upcall_pending) + 1 &&
              offsetof(Environment, revocation_upcall_pending) % 2 == 0);

}  // namespace

void asm_offsets() {
    // The trap frame: abi::TrapState's layout, sstatus in x0's slot.
    EXO_ASM_CONSTANT(TRAP_FRAME_SCAUSE, offsetof(riscv::TrapFrame, scause));
    EXO_ASM_CONSTANT(TRAP_FRAME_STVAL, offsetof(riscv::TrapFrame, stval));
    EXO_ASM_CONSTANT(TRAP_FRAME_SEPC, offsetof(riscv::TrapFrame, sepc));
    EXO_ASM_CONSTANT(TRAP_FRAME_X, offsetof(riscv::TrapFrame, x));
    EXO_ASM_CONSTANT(TRAP_FRAME_SSTATUS, offsetof(riscv::TrapFrame, x));
    EXO_ASM_CONSTANT(TRAP_FRAME_STACK_BYTES, riscv::kTrapFrameStackBytes);

    // CSRs and their fields (csr.h).
    EXO_ASM_CONSTANT(SSTATUS_SPP, riscv::sstatus::kSpp);
    EXO_ASM_CONSTANT(SSTATUS_FS_MASK, riscv::sstatus::kFsMask);
    EXO_ASM_CONSTANT(SSTATUS_FS_CLEAN, riscv::sstatus::kFsClean);
    EXO_ASM_CONSTANT(CSR_STIMECMP, riscv::Csr::stimecmp);

    // Floating-point state (fpu.h), for fpu.S.
    EXO_ASM_CONSTANT(FP_STATE_F, offsetof(riscv::FpState, f));
    EXO_ASM_CONSTANT(FP_STATE_FCSR, offsetof(riscv::FpState, fcsr));

    // Boot.
    EXO_ASM_CONSTANT(BOOT_DIRECT_MAP_GIGABYTES, layout::kBootDirectMapGigabytes);

    // The hart page, as offsets from address 0.
    EXO_ASM_CONSTANT(HART_SYSCALL_TABLE, hart(offsetof(HartPage, syscall_table)));
    EXO_ASM_CONSTANT(HART_SYSCALL_TABLE_SHIFT, riscv::kSyscallTableShift);
    EXO_ASM_CONSTANT(HART_DIRECTORY, hart(offsetof(HartPage, directory)));
    EXO_ASM_CONSTANT(HART_DIRECTORY_SLOTS, riscv::kDirectorySlots);
    EXO_ASM_CONSTANT(HART_CLOCK, hart(offsetof(HartPage, scheduler)));
    EXO_ASM_CONSTANT(HART_IRQ_SLOTS, hart(offsetof(HartPage, irq_slots)));
    EXO_ASM_CONSTANT(HART_SAVED_T1, hart(offsetof(HartPage, saved_t1)));
    EXO_ASM_CONSTANT(HART_INTERRUPTED_SP, hart(offsetof(HartPage, interrupted_sp)));
    EXO_ASM_CONSTANT(HART_ID, hart(offsetof(HartPage, hart_id)));
    EXO_ASM_CONSTANT(HART_EMERGENCY_STACK_TOP, hart(offsetof(HartPage, emergency_stack_top)));
    EXO_ASM_CONSTANT(HART_STACK_BOTTOM, hart(offsetof(HartPage, stack_bottom)));
    EXO_ASM_CONSTANT(HART_KERNEL_STACK_TOP, hart(offsetof(HartPage, kernel_stack_top)));
    EXO_ASM_CONSTANT(HART_SAVED_T0, hart(offsetof(HartPage, saved_t0)));
    EXO_ASM_CONSTANT(HART_CURRENT_ENV, hart(offsetof(HartPage, current_environment)));
    // The device-interrupt path's slots, one per register (irq_slot).
    EXO_ASM_CONSTANT(IRQ_SLOT_ra, 8 * riscv::irq_slot::ra);
    EXO_ASM_CONSTANT(IRQ_SLOT_t1, 8 * riscv::irq_slot::t1);
    EXO_ASM_CONSTANT(IRQ_SLOT_t2, 8 * riscv::irq_slot::t2);
    EXO_ASM_CONSTANT(IRQ_SLOT_t3, 8 * riscv::irq_slot::t3);
    EXO_ASM_CONSTANT(IRQ_SLOT_t4, 8 * riscv::irq_slot::t4);
    EXO_ASM_CONSTANT(IRQ_SLOT_t5, 8 * riscv::irq_slot::t5);
    EXO_ASM_CONSTANT(IRQ_SLOT_t6, 8 * riscv::irq_slot::t6);
    EXO_ASM_CONSTANT(IRQ_SLOT_a0, 8 * riscv::irq_slot::a0);
    EXO_ASM_CONSTANT(IRQ_SLOT_a1, 8 * riscv::irq_slot::a1);
    EXO_ASM_CONSTANT(IRQ_SLOT_a2, 8 * riscv::irq_slot::a2);
    EXO_ASM_CONSTANT(IRQ_SLOT_a3, 8 * riscv::irq_slot::a3);
    EXO_ASM_CONSTANT(IRQ_SLOT_a4, 8 * riscv::irq_slot::a4);
    EXO_ASM_CONSTANT(IRQ_SLOT_a5, 8 * riscv::irq_slot::a5);
    EXO_ASM_CONSTANT(IRQ_SLOT_a6, 8 * riscv::irq_slot::a6);
    EXO_ASM_CONSTANT(IRQ_SLOT_a7, 8 * riscv::irq_slot::a7);

    // The slot clock (kernel/cpu/slice_clock.h), at HART_CLOCK.
    EXO_ASM_CONSTANT(CLOCK_SLOT_END, offsetof(exo::SliceClock, slot_end));
    EXO_ASM_CONSTANT(CLOCK_SLOT_TICKS, offsetof(exo::SliceClock, slot_ticks));
    EXO_ASM_CONSTANT(CLOCK_SLOT, offsetof(exo::SliceClock, slot));
    EXO_ASM_CONSTANT(CLOCK_SLOTS, offsetof(exo::SliceClock, slots));
    EXO_ASM_CONSTANT(CLOCK_HOLD, offsetof(exo::SliceClock, hold));
    EXO_ASM_CONSTANT(CLOCK_RUNNER, offsetof(exo::SliceClock, runner));
    EXO_ASM_CONSTANT(CLOCK_OWNER_HAD_SLOT, offsetof(exo::SliceClock, owner_had_slot));
    EXO_ASM_CONSTANT(CLOCK_FAST_OWNERS, offsetof(exo::SliceClock, fast_owners));
    EXO_ASM_CONSTANT(CLOCK_HOLD_FPU_NOT_ZERO, exo::hold::kFpuNotZero);
    EXO_ASM_CONSTANT(CLOCK_HOLD_TIMER_THROUGH_SBI, exo::hold::kTimerThroughSbi);
    EXO_ASM_CONSTANT(SBI_EXTENSION_TIME, sbi::Extension::Time);
    EXO_ASM_CONSTANT(SBI_EXTENSION_LEGACY_PUTCHAR, sbi::Extension::LegacyPutchar);
    EXO_ASM_CONSTANT(SBI_EXTENSION_SYSTEM_RESET, sbi::Extension::SystemReset);

    // The environment record: the fields the fast paths use.
    EXO_ASM_CONSTANT(ENV_GATE, offsetof(Environment, gate));
    EXO_ASM_CONSTANT(ENV_SATP, offsetof(Environment, satp));
    EXO_ASM_CONSTANT(ENV_TRAP_PAGE, offsetof(Environment, trap_page));
    EXO_ASM_CONSTANT(ENV_EXCEPTION_PAGE, offsetof(Environment, exception_page));
    EXO_ASM_CONSTANT(ENV_SAVE_AREA, offsetof(Environment, save_area));
    EXO_ASM_CONSTANT(ENV_RESUME_PC, offsetof(Environment, resume_pc));
    EXO_ASM_CONSTANT(ENV_RESUME_SP, offsetof(Environment, resume_sp));
    EXO_ASM_CONSTANT(ENV_ID, offsetof(Environment, id));
    EXO_ASM_CONSTANT(ENV_SHARED_INFO, offsetof(Environment, shared_info));
    EXO_ASM_CONSTANT(ENV_ENTRIES, offsetof(Environment, entries));
    EXO_ASM_CONSTANT(ENV_ENTRY_SIZE, sizeof(exo::UpcallEntry));
    EXO_ASM_CONSTANT(ENV_ENTRY_SHIFT, log2(sizeof(exo::UpcallEntry)));
    EXO_ASM_CONSTANT(ENV_ENTRY_SP, offsetof(exo::UpcallEntry, sp));
    EXO_ASM_CONSTANT(GATE_SERVING_SHIFT, 62);
    EXO_ASM_CONSTANT(ENV_PENDING, offsetof(Environment, revocation_upcall_pending));
    EXO_ASM_CONSTANT(ENV_REVOCATION_PENDING, offsetof(Environment, revocation_upcall_pending));
    EXO_ASM_CONSTANT(ENV_EVENT_PENDING, offsetof(Environment, event_upcall_pending));
    EXO_ASM_CONSTANT(ENV_IN_UPCALL, offsetof(Environment, in_upcall));
    EXO_ASM_CONSTANT(ENV_MAIN_FRAME, offsetof(Environment, main) + offsetof(exo::Context, frame));
    EXO_ASM_CONSTANT(ENV_MAIN_FP, offsetof(Environment, main) + offsetof(exo::Context, fp));
    EXO_ASM_CONSTANT(ENV_MAIN_FP_SAVED,
                     offsetof(Environment, main) + offsetof(exo::Context, fp_saved));
    EXO_ASM_CONSTANT(ENV_UPCALL_FRAME,
                     offsetof(Environment, upcall) + offsetof(exo::Context, frame));
    EXO_ASM_CONSTANT(ENV_UPCALL_FP, offsetof(Environment, upcall) + offsetof(exo::Context, fp));
    EXO_ASM_CONSTANT(CONTEXT_FP, offsetof(exo::Context, fp));
    EXO_ASM_CONSTANT(CONTEXT_FP_SAVED, offsetof(exo::Context, fp_saved));

    // The trap page (abi/trap_page.h).
    EXO_ASM_CONSTANT(TRAP_PAGE_HANDLER_PC, offsetof(abi::TrapPage, handler_pc));
    EXO_ASM_CONSTANT(TRAP_PAGE_HANDLER_SP, offsetof(abi::TrapPage, handler_sp));
    EXO_ASM_CONSTANT(TRAP_PAGE_BUSY, offsetof(abi::TrapPage, busy));
    EXO_ASM_CONSTANT(TRAP_PAGE_BUSY_HANDLER_RUNS, abi::kTrapPageBusyHandlerRuns);
    EXO_ASM_CONSTANT(TRAP_PAGE_PC, offsetof(abi::TrapPage, pc));
    EXO_ASM_CONSTANT(TRAP_PAGE_CAUSE, offsetof(abi::TrapPage, cause));
    EXO_ASM_CONSTANT(TRAP_PAGE_ADDRESS, offsetof(abi::TrapPage, address));
    EXO_ASM_CONSTANT(TRAP_PAGE_SP, offsetof(abi::TrapPage, sp));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_BUSY, offsetof(abi::TrapPage, event_busy));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_PC, offsetof(abi::TrapPage, event_pc));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_SP, offsetof(abi::TrapPage, event_sp));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_A0, offsetof(abi::TrapPage, event_a0));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_A7, offsetof(abi::TrapPage, event_a7));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_RA, offsetof(abi::TrapPage, event_ra));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_T0, offsetof(abi::TrapPage, event_t0));
    EXO_ASM_CONSTANT(TRAP_PAGE_EVENT_T1, offsetof(abi::TrapPage, event_t1));

    // The transfers' numbers and entries (abi/syscall.h).
    EXO_ASM_CONSTANT(ABI_CALL, abi::kCall);
    EXO_ASM_CONSTANT(ABI_CALL_END, abi::kCall + abi::kCallEntries);
    EXO_ASM_CONSTANT(ABI_REPLY, abi::kReply);
    EXO_ASM_CONSTANT(ABI_ENTRY_CALL0, abi::Entry::Call0);
    EXO_ASM_CONSTANT(ABI_ENTRY_SLICE_START, abi::Entry::SliceStart);

    // The shared info page (abi/shared_info.h).
    EXO_ASM_CONSTANT(INFO_CURRENT_SLOT, offsetof(abi::SharedInfo, current_slot));
    EXO_ASM_CONSTANT(INFO_SLICES_STARTED, offsetof(abi::SharedInfo, slices_started));
}
