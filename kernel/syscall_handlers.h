// One function per syscall (see abi/syscall.h); syscalls.cpp maps numbers to them. Each decodes
// and validates every argument before it changes any state.
#pragma once

#include "arch/riscv64/trap_frame.h"
#include "environment.h"
#include "syscall_decode.h"

namespace exo::syscall {

// A call's six argument registers, a0..a5.
struct Arguments {
    uint64_t value[6];
    uint64_t operator[](int index) const { return value[index]; }
};

// Most calls need only their arguments: they run on the fast path with nothing saved.
using Handler = SyscallResult (*)(Environment& caller, const Arguments& arguments);
// The few that switch environments or rewrite the caller's registers get its whole frame.
using FrameHandler = SyscallResult (*)(Environment& caller, riscv::TrapFrame& frame);

// syscalls.cpp
SyscallResult null(Environment&, const Arguments&);
SyscallResult console_write(Environment&, const Arguments&);
SyscallResult exit(Environment&, riscv::TrapFrame&);
SyscallResult yield(Environment&, riscv::TrapFrame&);
SyscallResult audit(Environment&, const Arguments&);
// syscalls_environment.cpp
SyscallResult environment_create(Environment&, const Arguments&);
SyscallResult environment_destroy(Environment&, riscv::TrapFrame&);
SyscallResult environment_set_entry(Environment&, const Arguments&);
SyscallResult upcall_return(Environment&, riscv::TrapFrame&);
// syscalls_cpu.cpp
SyscallResult slice_reserve(Environment&, const Arguments&);
SyscallResult slice_release(Environment&, const Arguments&);
SyscallResult slice_read(Environment&, const Arguments&);
SyscallResult slice_set_background(Environment&, const Arguments&);
SyscallResult resume_context(Environment&, riscv::TrapFrame&);
SyscallResult device_claim(Environment&, const Arguments&);
SyscallResult device_release(Environment&, const Arguments&);
SyscallResult irq_bind(Environment&, const Arguments&);
SyscallResult irq_ack(Environment&, const Arguments&);
SyscallResult irq_unbind(Environment&, const Arguments&);
// syscalls_transfer.cpp: what the trap vector's transfer path leaves to the C++ (entry 0..3)
SyscallResult call(Environment&, riscv::TrapFrame&, uint64_t entry);
SyscallResult reply(Environment&, riscv::TrapFrame&);
SyscallResult send(Environment&, riscv::TrapFrame&, uint64_t entry);
// Fails the call of anyone waiting on an environment that ends.
void release_transfers(Environment& ending);
// syscalls_memory.cpp
SyscallResult frame_alloc(Environment&, const Arguments&);
SyscallResult frame_free(Environment&, const Arguments&);
SyscallResult frame_query(Environment&, const Arguments&);
SyscallResult frame_set_essential(Environment&, const Arguments&);
SyscallResult page_table_donate(Environment&, const Arguments&);
SyscallResult map(Environment&, const Arguments&);
SyscallResult unmap(Environment&, const Arguments&);
SyscallResult protect(Environment&, const Arguments&);
SyscallResult pte_read(Environment&, const Arguments&);
SyscallResult grant(Environment&, const Arguments&);
SyscallResult grant_revoke(Environment&, const Arguments&);

// The abort protocol's deadline for memory-pressure requests, in timer ticks.
void set_pressure_deadline(uint64_t ticks);

// Ends an environment (exit, destroy, an unrecoverable fault). Shuts the machine down with
// `status` when it is the first environment, which speaks for the whole image.
[[noreturn]] void end_current_environment(int status);
void end_environment(Environment& environment, int status);

}  // namespace exo::syscall
