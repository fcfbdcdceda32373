// One function per syscall (see abi/syscall.h); syscalls.cpp maps numbers to them. Each decodes
// and validates every argument before it changes any state.
#pragma once

#include "arch/riscv64/trap_frame.h"
#include "environment.h"
#include "syscall_decode.h"

namespace exo::syscall {

using Handler = SyscallResult (*)(Environment& caller, riscv::TrapFrame& frame);

// syscalls.cpp
SyscallResult null(Environment&, riscv::TrapFrame&);
SyscallResult console_write(Environment&, riscv::TrapFrame&);
SyscallResult exit(Environment&, riscv::TrapFrame&);
SyscallResult yield(Environment&, riscv::TrapFrame&);
SyscallResult audit(Environment&, riscv::TrapFrame&);
// syscalls_environment.cpp
SyscallResult environment_create(Environment&, riscv::TrapFrame&);
SyscallResult environment_destroy(Environment&, riscv::TrapFrame&);
SyscallResult environment_set_entry(Environment&, riscv::TrapFrame&);
SyscallResult upcall_return(Environment&, riscv::TrapFrame&);
// syscalls_memory.cpp
SyscallResult frame_alloc(Environment&, riscv::TrapFrame&);
SyscallResult frame_free(Environment&, riscv::TrapFrame&);
SyscallResult frame_query(Environment&, riscv::TrapFrame&);
SyscallResult frame_set_essential(Environment&, riscv::TrapFrame&);
SyscallResult page_table_donate(Environment&, riscv::TrapFrame&);
SyscallResult map(Environment&, riscv::TrapFrame&);
SyscallResult unmap(Environment&, riscv::TrapFrame&);
SyscallResult protect(Environment&, riscv::TrapFrame&);
SyscallResult pte_read(Environment&, riscv::TrapFrame&);
SyscallResult grant(Environment&, riscv::TrapFrame&);
SyscallResult grant_revoke(Environment&, riscv::TrapFrame&);

// The abort protocol's deadline for memory-pressure requests, in timer ticks.
void set_pressure_deadline(uint64_t ticks);

// Ends an environment (exit, destroy, an unrecoverable fault). Shuts the machine down with
// `status` when it is the first environment, which speaks for the whole image.
[[noreturn]] void end_current_environment(int status);
void end_environment(Environment& environment, int status);

}  // namespace exo::syscall
