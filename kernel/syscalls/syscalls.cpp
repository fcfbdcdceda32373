// The calls that are not about memory, environments, the CPU or transfers: Null, ConsoleWrite,
// Exit, Yield, Audit; and the end of an environment, which Exit, EnvDestroy and faults share.
#include "boot/power.h"
#include "cpu/events.h"
#include "cpu/interrupts.h"
#include "cpu/scheduler.h"
#include "environments/environment_lifecycle.h"
#include "kernel_state.h"
#include "memory/audit.h"
#include "memory/user_copy.h"
#include "syscalls/syscall_handlers.h"

namespace exo {

namespace syscall {

using riscv::reg::a0;
using riscv::reg::a1;

// Null leaves a1 as the caller had it: returning it unchanged costs no instruction.
SyscallResult null(SyscallContext&, const Arguments& arguments) {
    return SyscallResult::ok(arguments[1]);
}

SyscallResult console_write(SyscallContext& context, const Arguments& arguments) {
    uint64_t address = arguments[0];
    uint64_t length = arguments[1];
    if (length > abi::kConsoleWriteMax) return abi::Error::InvalidArgument;
    char buffer[256];
    uint64_t written = 0;
    while (written < length) {
        uint64_t chunk = length - written < sizeof(buffer) ? length - written : sizeof(buffer);
        // Copy first: a bad pointer halfway prints nothing of that chunk.
        TRY(copy_from_user(context.state, context.caller, address + written, buffer, chunk));
        context.console.write(buffer, chunk);
        written += chunk;
    }
    return SyscallResult::ok(written);
}

namespace {

// The parent learns how its child ended: the record first, then the event, which may wake it.
void tell_parent(KernelState& state, EnvironmentId parent_id, EnvironmentId child, int status,
                 abi::EndReason reason, uint64_t cause) {
    Environment* parent = state.environments.find(parent_id);
    if (parent == nullptr) return;
    abi::SharedInfo& info = *parent->shared_info;
    info.child_ends[info.child_ends_total % abi::kChildEndSlots] = {child, status, reason, 0,
                                                                    cause};
    ++info.child_ends_total;
    post_event(*parent, abi::event::kChildEnded);
}

}  // namespace

void end_environment(KernelState& state, Environment& environment, int status,
                     abi::EndReason reason, uint64_t cause) {
    bool first = EnvironmentTable::slot_of(environment.id) == 0;
    // What it had not read of the console's input is nobody's.
    if (state.console_input.holder() == EnvironmentTable::slot_of(environment.id))
        state.console_input.discard();
    // Its slots, its background role, its devices and lines (open claims completed) go first.
    release_transfers(state, environment);
    scheduler_forget(environment);
    state.interrupts.release_all(EnvironmentTable::slot_of(environment.id), [](uint32_t line) {
        line_enable(line, false);
        line_complete(line);
    });
    // Its disk rings and extents go; its requests in flight finish as orphans (disk/disk.h).
    state.disk.forget(state, environment);
    // Its rings, buffers and filters go; its transmits in flight finish as orphans (net/net.h).
    state.net.forget(state, environment);
    EnvironmentId id = environment.id, parent = environment.parent;
    destroy_environment(state, environment);
    tell_parent(state, parent, id, status, reason, cause);
    // The first environment is the image's driver: when it ends, the machine's run ends.
    if (first) shutdown(status);
}

// Not a handler: the trap path's, for a fault nobody handles, so it uses the running kernel.
void end_current_environment(int status, uint64_t cause) {
    end_environment(kernel_state(), current_environment(), status, abi::EndReason::Faulted,
                    cause);
    run_next_after_exit();
}

SyscallResult exit(SyscallContext& context, riscv::TrapFrame& frame) {
    auto status = static_cast<int>(frame.x[a0]);
    context.console.print("exo: environment '%s' exited with status %d\n", context.caller.name,
                          status);
    end_environment(context.state, context.caller, status);
    run_next_after_exit();
}

SyscallResult yield(SyscallContext& context, riscv::TrapFrame& frame) {
    Environment* target = nullptr;
    if (frame.x[a0] != 0) {
        target = context.state.environments.find(frame.x[a0]);
        if (target == nullptr) return abi::Error::NoSuchEnvironment;
        // It waits for a reply: its registers are its callee's to give back.
        if (target->waiting()) return abi::Error::Busy;
    }
    SyscallResult::ok().write_to(frame);  // before the switch: the caller resumes with these
    if (target != &context.caller) (void)yield_slot(context.caller, target);
    return SyscallResult::registers_set();
}

SyscallResult audit(SyscallContext& context, const Arguments&) {
    SyscallConsole& console = context.console;
    AuditReport report = exo::audit(context.state, context.state.audit_scratch,
                                    [&console](const char* what, uint64_t pfn) {
                                        console.print("exo: audit: %s (frame %lx)\n", what, pfn);
                                    });
    console.print("exo: audit: %lu free, %lu kernel, %lu reserved, %lu owned, %lu mappings, "
                  "%lu tables, %lu problems\n",
                  report.free, report.kernel, report.reserved, report.owned, report.mappings,
                  report.tables, report.problems);
    return SyscallResult::ok(report.problems);
}

}  // namespace syscall

}  // namespace exo
