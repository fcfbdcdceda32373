// The syscall table and the calls that are not about memory or environments.
#include "syscalls.h"

#include "audit.h"
#include "console.h"
#include "environment_lifecycle.h"
#include "physical_memory.h"
#include "power.h"
#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"
#include "user_copy.h"

namespace exo {

namespace syscall {

using riscv::reg::a0;
using riscv::reg::a1;

SyscallResult null(Environment&, riscv::TrapFrame&) { return SyscallResult::ok(); }

SyscallResult console_write(Environment& caller, riscv::TrapFrame& frame) {
    uint64_t address = frame.x[a0];
    uint64_t length = frame.x[a1];
    if (length > abi::kConsoleWriteMax) return SyscallResult::fail(abi::Error::InvalidArgument);
    char buffer[256];
    uint64_t written = 0;
    while (written < length) {
        uint64_t chunk = length - written < sizeof(buffer) ? length - written : sizeof(buffer);
        // Copy first: a bad pointer halfway prints nothing of that chunk.
        if (abi::Error error = copy_from_user(kernel_state(), caller, address + written, buffer, chunk);
            error != abi::Error::Ok) {
            return SyscallResult::fail(error);
        }
        exo::console_write(buffer, chunk);
        written += chunk;
    }
    return SyscallResult::ok(written);
}

void end_environment(Environment& environment, int status) {
    bool first = EnvironmentTable::slot_of(environment.id) == 0;
    destroy_environment(kernel_state(), environment);
    // The first environment is the image's driver: when it ends, the machine's run ends.
    if (first) shutdown(status);
}

void end_current_environment(int status) {
    end_environment(current_environment(), status);
    run_next_after_exit();
}

SyscallResult exit(Environment& caller, riscv::TrapFrame& frame) {
    auto status = static_cast<int>(frame.x[a0]);
    kprintf("exo: environment '%s' exited with status %d\n", caller.name, status);
    end_current_environment(status);
}

SyscallResult yield(Environment& caller, riscv::TrapFrame& frame) {
    Environment* target = frame.x[a0] == 0 ? next_in_turn() : kernel_state().environments.find(frame.x[a0]);
    if (target == nullptr) return SyscallResult::fail(abi::Error::NoSuchEnvironment);
    frame.x[a0] = static_cast<uint64_t>(abi::Error::Ok);
    frame.x[a1] = 0;
    if (target != &caller) {
        arm_timer();  // the donee starts a fresh quantum
        run(*target);
    }
    return SyscallResult::registers_set();
}

SyscallResult audit(Environment&, riscv::TrapFrame&) {
    AuditReport report = exo::audit(kernel_state(), audit_scratch(), [](const char* what, uint64_t pfn) {
        kprintf("exo: audit: %s (frame %lx)\n", what, pfn);
    });
    kprintf("exo: audit: %lu free, %lu kernel, %lu reserved, %lu owned, %lu mappings, %lu tables, "
            "%lu problems\n",
            report.free, report.kernel, report.reserved, report.owned, report.mappings,
            report.tables, report.problems);
    return SyscallResult::ok(report.problems);
}

}  // namespace syscall

namespace {

constexpr syscall::Handler kHandlers[] = {
    syscall::null,                  // Null
    syscall::console_write,         // ConsoleWrite
    syscall::exit,                  // Exit
    syscall::yield,                 // Yield
    syscall::environment_create,    // EnvCreate
    syscall::environment_destroy,   // EnvDestroy
    syscall::environment_set_entry, // EnvSetEntry
    syscall::upcall_return,         // UpcallReturn
    syscall::frame_alloc,           // FrameAlloc
    syscall::frame_free,            // FrameFree
    syscall::frame_query,           // FrameQuery
    syscall::frame_set_essential,   // FrameSetEssential
    syscall::page_table_donate,     // PageTableDonate
    syscall::map,                   // Map
    syscall::unmap,                 // Unmap
    syscall::protect,               // Protect
    syscall::pte_read,              // PteRead
    syscall::grant,                 // Grant
    syscall::grant_revoke,          // GrantRevoke
    syscall::audit,                 // Audit
};
static_assert(sizeof(kHandlers) / sizeof(kHandlers[0]) == static_cast<size_t>(abi::Syscall::Count),
              "one handler per syscall number");

}  // namespace

riscv::TrapFrame* handle_syscall(Environment& caller, riscv::TrapFrame& frame) {
    std::optional<abi::Syscall> number = decode_syscall(frame.x[riscv::reg::a7]);
    SyscallResult result = number ? kHandlers[static_cast<size_t>(*number)](caller, frame)
                                  : SyscallResult::fail(abi::Error::UnknownSyscall);
    if (result.write_registers) {
        frame.x[riscv::reg::a0] = static_cast<uint64_t>(result.error);
        frame.x[riscv::reg::a1] = result.value;
    }
    return &current_environment().frame;
}

}  // namespace exo
