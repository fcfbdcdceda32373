// Network syscalls (abi/net.h, abi/net_filter.h): what the NIC is, the rings, filters, transmit.
//
// Each handler is out of line and clears every caller-saved register when it returns, as the
// disk's do (register_hygiene.h): the net layer, the filters and the virtio driver under them
// end in tail calls here and there, which leave their registers to the callee's clearing, and a
// send left a frame's physical address in t0.
#include "kernel_state.h"
#include "memory/user_copy.h"
#include "register_hygiene.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult net_info(
    SyscallContext& context, const Arguments& arguments) {
    return context.state.net.info(context.caller, arguments[0]);
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult net_rings(
    SyscallContext& context, const Arguments& arguments) {
    return context.state.net.set_rings(context.state, context.caller, arguments[0], arguments[1],
                                       arguments[2], arguments[3], arguments[4]);
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult net_submit(
    SyscallContext& context, const Arguments&) {
    return context.state.net.submit(context.state, context.caller);
}

}  // namespace exo::syscall

namespace exo::syscall {

// The filter is copied once from the caller and verified as copied: what is checked is what is
// installed, whatever the caller's memory says later.
EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult net_filter_install(
    SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (!state.net.present()) return abi::Error::NoNetwork;
    abi::PacketFilter filter;
    TRY(copy_from_user(state, context.caller, arguments[0], &filter, sizeof(filter)));
    FilterId id = 0;
    TRY(state.packet_filters.install(EnvironmentTable::slot_of(context.caller.id), filter, id));
    return SyscallResult::ok(id);
}

EXO_CLEARS_CALLER_SAVED_REGISTERS SyscallResult net_filter_remove(
    SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (!state.net.present()) return abi::Error::NoNetwork;
    if (arguments[0] > 0xffffffffu) return abi::Error::NotOwner;
    return state.packet_filters.remove(EnvironmentTable::slot_of(context.caller.id),
                                       static_cast<FilterId>(arguments[0]));
}

}  // namespace exo::syscall
