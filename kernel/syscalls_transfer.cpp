// Protected control transfer in the C++: the calls the trap vector refused (the error is named
// here), Send, replies it may not make, and the end of an environment that others wait on or
// serve. The logic is transfer.cpp; this file switches the CPU.
#include <abi/trap_page.h>
#include <cstddef>

#include "arch/riscv64/asm_constants.h"
#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"
#include "transfer.h"

namespace exo::syscall {

namespace {

SyscallResult switched(transfer::Outcome outcome, bool sender_continues) {
    if (outcome.error != abi::Error::Ok) return SyscallResult::fail(outcome.error);
    (void)transfer_to(*outcome.next, sender_continues);
    return SyscallResult::registers_set();
}

}  // namespace

SyscallResult call(Environment& caller, riscv::TrapFrame& frame, uint64_t entry) {
    return switched(transfer::call(kernel_state().environments, caller, frame, entry), false);
}

SyscallResult send(Environment& caller, riscv::TrapFrame& frame, uint64_t entry) {
    return switched(transfer::send(kernel_state().environments, caller, frame, entry), true);
}

SyscallResult reply(Environment& callee, riscv::TrapFrame& frame) {
    return switched(transfer::reply(callee, frame), false);
}

void release_transfers(Environment& ending) { transfer::release(kernel_state().environments, ending); }

}  // namespace exo::syscall

// The trap vector's view of these structures (asm_constants.h) must match the C++.
static_assert(offsetof(exo::Environment, gate) == ENV_GATE);
static_assert(offsetof(exo::Environment, satp) == ENV_SATP);
static_assert(offsetof(exo::Environment, trap_page) == ENV_TRAP_PAGE);
static_assert(offsetof(exo::Environment, exception_page) == ENV_EXCEPTION_PAGE);
static_assert(offsetof(exo::Environment, save_area) == ENV_SAVE_AREA);
static_assert(offsetof(exo::Environment, resume_pc) == ENV_RESUME_PC);
static_assert(offsetof(exo::Environment, resume_sp) == ENV_RESUME_SP);
static_assert(offsetof(exo::Environment, id) == ENV_ID);
static_assert(offsetof(exo::Environment, entries) == ENV_ENTRIES);
static_assert(sizeof(exo::UpcallEntry) == 16);
static_assert(offsetof(abi::TrapPage, handler_pc) == TRAP_PAGE_HANDLER_PC);
static_assert(offsetof(abi::TrapPage, handler_sp) == TRAP_PAGE_HANDLER_SP);
static_assert(offsetof(abi::TrapPage, busy) == TRAP_PAGE_BUSY);
static_assert(offsetof(abi::TrapPage, pc) == TRAP_PAGE_PC);
static_assert(offsetof(abi::TrapPage, cause) == TRAP_PAGE_CAUSE);
static_assert(offsetof(abi::TrapPage, address) == TRAP_PAGE_ADDRESS);
static_assert(offsetof(abi::TrapPage, sp) == TRAP_PAGE_SP);
static_assert(offsetof(abi::TrapPage, event_busy) == TRAP_PAGE_EVENT_BUSY);
static_assert(offsetof(abi::TrapPage, event_pc) == TRAP_PAGE_EVENT_PC);
static_assert(offsetof(abi::TrapPage, event_sp) == TRAP_PAGE_EVENT_SP);
static_assert(offsetof(abi::TrapPage, event_a0) == TRAP_PAGE_EVENT_A0);
static_assert(offsetof(abi::TrapPage, event_a7) == TRAP_PAGE_EVENT_A7);
static_assert(offsetof(abi::TrapPage, event_ra) == TRAP_PAGE_EVENT_RA);
static_assert(offsetof(abi::TrapPage, event_t0) == TRAP_PAGE_EVENT_T0);
static_assert(offsetof(abi::TrapPage, event_t1) == TRAP_PAGE_EVENT_T1);
static_assert(offsetof(exo::Environment, in_upcall) == ENV_IN_UPCALL);
static_assert(offsetof(exo::Environment, event_upcall_pending) == ENV_EVENT_PENDING);
static_assert(offsetof(exo::Environment, revocation_upcall_pending) == ENV_REVOCATION_PENDING);
static_assert(ENV_PENDING == ENV_REVOCATION_PENDING && ENV_EVENT_PENDING == ENV_PENDING + 1 && ENV_PENDING % 2 == 0);
static_assert(offsetof(exo::Environment, shared_info) == ENV_SHARED_INFO);
static_assert(offsetof(abi::SharedInfo, current_slot) == INFO_CURRENT_SLOT);
static_assert(offsetof(abi::SharedInfo, slices_started) == INFO_SLICES_STARTED);
static_assert(static_cast<uint64_t>(abi::Entry::SliceStart) == ABI_ENTRY_SLICE_START);
static_assert(offsetof(exo::Environment, main) + offsetof(exo::Context, frame) == ENV_MAIN_FRAME);
static_assert(offsetof(exo::Environment, main) + offsetof(exo::Context, fp_saved) == ENV_MAIN_FP_SAVED);
static_assert(offsetof(exo::Environment, upcall) + offsetof(exo::Context, frame) == ENV_UPCALL_FRAME);
static_assert(offsetof(exo::Environment, main) + offsetof(exo::Context, fp) == ENV_MAIN_FP);
static_assert(offsetof(exo::Environment, upcall) + offsetof(exo::Context, fp) == ENV_UPCALL_FP);
static_assert(offsetof(exo::Context, fp) == CONTEXT_FP && offsetof(exo::Context, fp_saved) == CONTEXT_FP_SAVED);
static_assert(abi::kCall == ABI_CALL && abi::kCall + abi::kCallEntries == ABI_CALL_END);
static_assert(abi::kReply == ABI_REPLY);
static_assert(static_cast<uint64_t>(abi::Entry::Call0) == ABI_ENTRY_CALL0);
static_assert(abi::kTransferBase == HART_SYSCALL_TABLE_SLOTS, "the vector sends a7 past the table to transfers");
static_assert(HART_SYSCALL_TABLE_SLOTS == uint64_t{1} << HART_SYSCALL_TABLE_SHIFT,
              "a7 >> shift is 0 exactly for the table's numbers");
static_assert(abi::kTrapPageBusyHandlerRuns == TRAP_PAGE_BUSY_HANDLER_RUNS && abi::kTrapPageBusyHandlerRuns > 1);
static_assert(HART_DIRECTORY_SLOTS == exo::EnvironmentTable::kDirectorySize);
