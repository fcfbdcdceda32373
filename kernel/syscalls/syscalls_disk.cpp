// Disk syscalls (abi/disk.h): what the disk is, the rings, submission, extents for children.
//
// Each handler is out of line and clears every caller-saved register when it returns: the disk
// layer and the virtio driver under it do not clear them function by function
// (register_hygiene.h), so this is where no kernel value is left for the environment.
#include <abi/shared_info.h>

#include "cpu/events.h"
#include "disk/disk.h"
#include "kernel_state.h"
#include "register_hygiene.h"
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

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult disk_info(
    SyscallContext& context, const Arguments& arguments) {
    return context.state.disk.info(arguments[0]);
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult disk_rings(
    SyscallContext& context, const Arguments& arguments) {
    return context.state.disk.set_rings(context.state, context.caller, arguments[0], arguments[1]);
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult disk_submit(
    SyscallContext& context, const Arguments&) {
    return context.state.disk.submit(context.state, context.caller);
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult disk_extent_grant(
    SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (!state.disk.present()) return abi::Error::NoDisk;
    Environment* child = child_of(state, context.caller, arguments[0]);
    if (child == nullptr) return abi::Error::NoSuchEnvironment;
    if (arguments[3] > 0xff) return abi::Error::InvalidArgument;
    return state.disk.extents().grant(slot(context.caller), slot(*child), arguments[1],
                                      arguments[2], static_cast<uint8_t>(arguments[3]));
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult disk_extent_revoke(
    SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (!state.disk.present()) return abi::Error::NoDisk;
    Environment* child = child_of(state, context.caller, arguments[0]);
    if (child == nullptr) return abi::Error::NoSuchEnvironment;
    EnvironmentSlot to = slot(*child);
    TRY(state.disk.extents().revoke(slot(context.caller), to, arguments[1],
                                    [&](uint64_t start, uint64_t count) {
                                        return state.disk.busy_on(to, start, count);
                                    }));
    post_event(*child, abi::event::kDiskExtentRevoked);
    return SyscallResult::ok();
}

}  // namespace exo::syscall
