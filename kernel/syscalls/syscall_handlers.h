// One function per syscall (see abi/syscall.h); syscall_table.h maps numbers to them. Each decodes
// and validates every argument before it changes any state, and reaches the kernel only through
// its SyscallContext (syscall_context.h).
#pragma once

#include <abi/shared_info.h>

#include "arch/riscv64/trap_frame.h"
#include "environments/environment.h"
#include "syscalls/syscall_context.h"
#include "syscalls/syscall_decode.h"

namespace exo::syscall {

// A call's six argument registers, a0..a5.
struct Arguments {
    uint64_t value[6];
    uint64_t operator[](int index) const { return value[index]; }
};

// Most calls need only their arguments: they run on the fast path with nothing saved.
using Handler = SyscallResult (*)(SyscallContext& context, const Arguments& arguments);
// The few that switch environments or rewrite the caller's registers get its whole frame.
using FrameHandler = SyscallResult (*)(SyscallContext& context, riscv::TrapFrame& frame);

// syscalls.cpp
SyscallResult null(SyscallContext&, const Arguments&);
SyscallResult console_write(SyscallContext&, const Arguments&);
SyscallResult exit(SyscallContext&, riscv::TrapFrame&);
SyscallResult yield(SyscallContext&, riscv::TrapFrame&);
SyscallResult audit(SyscallContext&, const Arguments&);
// syscalls_environment.cpp
SyscallResult environment_create(SyscallContext&, const Arguments&);
SyscallResult environment_destroy(SyscallContext&, riscv::TrapFrame&);
SyscallResult environment_set_entry(SyscallContext&, const Arguments&);
SyscallResult upcall_return(SyscallContext&, riscv::TrapFrame&);
// syscalls_cpu.cpp
SyscallResult slice_reserve(SyscallContext&, const Arguments&);
SyscallResult slice_release(SyscallContext&, const Arguments&);
SyscallResult slice_read(SyscallContext&, const Arguments&);
SyscallResult slice_set_background(SyscallContext&, const Arguments&);
SyscallResult resume_context(SyscallContext&, riscv::TrapFrame&);
SyscallResult device_claim(SyscallContext&, const Arguments&);
SyscallResult device_release(SyscallContext&, const Arguments&);
SyscallResult irq_bind(SyscallContext&, const Arguments&);
SyscallResult irq_ack(SyscallContext&, const Arguments&);
SyscallResult irq_unbind(SyscallContext&, const Arguments&);
SyscallResult disk_info(SyscallContext&, const Arguments&);
SyscallResult disk_rings(SyscallContext&, const Arguments&);
SyscallResult disk_submit(SyscallContext&, const Arguments&);
SyscallResult disk_extent_grant(SyscallContext&, const Arguments&);
SyscallResult disk_extent_revoke(SyscallContext&, const Arguments&);
// syscalls_console.cpp: console input, waiting for events, kernel information
SyscallResult console_read(SyscallContext&, const Arguments&);
SyscallResult event_wait(SyscallContext&, riscv::TrapFrame&);
SyscallResult kernel_info(SyscallContext&, const Arguments&);
// syscalls_environment.cpp
SyscallResult environment_create_elf(SyscallContext&, const Arguments&);
// syscalls_net.cpp
SyscallResult net_info(SyscallContext&, const Arguments&);
SyscallResult net_rings(SyscallContext&, const Arguments&);
SyscallResult net_filter_install(SyscallContext&, const Arguments&);
SyscallResult net_filter_remove(SyscallContext&, const Arguments&);
SyscallResult net_submit(SyscallContext&, const Arguments&);
// syscalls_transfer.cpp: what the trap vector's transfer path leaves to the C++ (entry 0..3)
SyscallResult call(SyscallContext&, riscv::TrapFrame&, uint64_t entry);
SyscallResult reply(SyscallContext&, riscv::TrapFrame&);
SyscallResult send(SyscallContext&, riscv::TrapFrame&, uint64_t entry);
// Fails the call of anyone waiting on an environment that ends.
void release_transfers(KernelState& state, Environment& ending);
// syscalls_memory.cpp
SyscallResult frame_alloc(SyscallContext&, const Arguments&);
SyscallResult frame_free(SyscallContext&, const Arguments&);
SyscallResult frame_query(SyscallContext&, const Arguments&);
SyscallResult frame_set_essential(SyscallContext&, const Arguments&);
SyscallResult page_table_donate(SyscallContext&, const Arguments&);
SyscallResult map(SyscallContext&, const Arguments&);
SyscallResult unmap(SyscallContext&, const Arguments&);
SyscallResult protect(SyscallContext&, const Arguments&);
SyscallResult pte_read(SyscallContext&, const Arguments&);
SyscallResult grant(SyscallContext&, const Arguments&);
SyscallResult grant_revoke(SyscallContext&, const Arguments&);

// Ends an environment (exit, destroy, an unrecoverable fault) and tells its parent how
// (SharedInfo::child_ends, event kChildEnded). Shuts the machine down with `status` when it is
// the first environment, which speaks for the whole image.
void end_environment(KernelState& state, Environment& environment, int status,
                     abi::EndReason reason = abi::EndReason::Exited, uint64_t cause = 0);
// The environment on the CPU ends (an unrecoverable fault with this scause: trap.cpp); the slot
// goes on.
[[noreturn]] void end_current_environment(int status, uint64_t cause);

}  // namespace exo::syscall
