// Disk syscalls (abi/disk.h): what the disk is, the rings, submission, extents for children.
#include <abi/shared_info.h>

#include "disk/disk.h"
#include "kernel_state.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

namespace {

EnvironmentSlot slot(const Environment& environment) {
    return EnvironmentTable::slot_of(environment.id);
}

// A child of the caller, alive.
Environment* child_of(KernelState& state, Environment& caller, uint64_t id) {
    Environment* child = state.environments.find(id);
    return child != nullptr && child->parent == caller.id ? child : nullptr;
}

}  // namespace

SyscallResult disk_info(SyscallContext& context, const Arguments& arguments) {
    return context.state.disk.info(arguments[0]);
}

SyscallResult disk_rings(SyscallContext& context, const Arguments& arguments) {
    return context.state.disk.set_rings(context.state, context.caller, arguments[0], arguments[1]);
}

SyscallResult disk_submit(SyscallContext& context, const Arguments&) {
    return context.state.disk.submit(context.state, context.caller);
}

SyscallResult disk_extent_grant(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (!state.disk.present()) return abi::Error::NoDisk;
    Environment* child = child_of(state, context.caller, arguments[0]);
    if (child == nullptr) return abi::Error::NoSuchEnvironment;
    if (arguments[3] > 0xff) return abi::Error::InvalidArgument;
    return state.disk.extents().grant(slot(context.caller), slot(*child), arguments[1],
                                      arguments[2], static_cast<uint8_t>(arguments[3]));
}

SyscallResult disk_extent_revoke(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (!state.disk.present()) return abi::Error::NoDisk;
    Environment* child = child_of(state, context.caller, arguments[0]);
    if (child == nullptr) return abi::Error::NoSuchEnvironment;
    EnvironmentSlot to = slot(*child);
    TRY(state.disk.extents().revoke(slot(context.caller), to, arguments[1],
                                    [&](uint64_t start, uint64_t count) {
                                        return state.disk.busy_on(to, start, count);
                                    }));
    child->shared_info->events |= abi::event::kDiskExtentRevoked;
    return SyscallResult::ok();
}

}  // namespace exo::syscall
