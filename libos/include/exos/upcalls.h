// The library OS's upcall dispatcher: every upcall the kernel makes (exceptions, revocation,
// slice start and end, events) enters the runtime, which hands it to what registered for it.
// Memory policies claim faults and give frames back; one scheduler takes the slot upcalls and
// events; the application may add handlers of its own for what no policy takes.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/memory_policy.h>
#include <exos/slice_scheduler.h>
#include <exos/upcall_types.h>

namespace exos {

// Exit statuses of the runtime's own refusals (a policy's fatal outcome carries its own).
inline constexpr int kUnclaimedFaultStatus = 96;     // a fault no policy or handler took
inline constexpr int kSchedulerRefusedStatus = 97;   // a second scheduler's start()

// Adds a policy (asked in registration order) and registers the exception and revocation
// entries with the kernel. AlreadyExists if it is registered, TooMany past four.
abi::Error add_memory_policy(MemoryPolicy& policy);
// Makes `scheduler` this environment's scheduler and registers the entries it takes.
// AlreadyExists (and a console line naming both) while another one schedules.
abi::Error set_scheduler(SliceScheduler& scheduler);

// The application's own exception handler, for faults no policy claims; without one such a
// fault is reported ("exos: unclaimed ...") and the environment exits with
// kUnclaimedFaultStatus. nullptr removes it (and the entry, if no policy needs it).
void set_exception_handler(ExceptionHandler handler);
// The application's own revocation handler, asked for what the policies could not give.
void set_revocation_handler(RevocationHandler handler);

// A scheduler made of functions, for environments without a scheduler class: each call sets
// one hook of the runtime's function-table scheduler and registers it. AlreadyExists while a
// scheduler object schedules.
abi::Error set_interrupt_handler(InterruptHandler handler);
abi::Error set_slice_start_handler(SliceHandler handler);
abi::Error set_slice_end_handler(SliceHandler handler);

// "load page fault", "illegal instruction", ... for a RISC-V exception cause (privileged spec,
// table 3.6); "exception" for a cause it does not know.
const char* exception_name(uint64_t cause);

// The length of the instruction at pc (2 for compressed, else 4): for skipping it.
uint64_t instruction_length(uint64_t pc);

}  // namespace exos
