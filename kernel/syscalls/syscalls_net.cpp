// Network syscalls (abi/net.h, abi/net_filter.h): what the NIC is, the rings, filters, transmit.
#include "kernel_state.h"
#include "memory/user_copy.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

SyscallResult net_info(SyscallContext& context, const Arguments& arguments) {
    return context.state.net.info(context.caller, arguments[0]);
}

SyscallResult net_rings(SyscallContext& context, const Arguments& arguments) {
    return context.state.net.set_rings(context.state, context.caller, arguments[0], arguments[1],
                                       arguments[2], arguments[3], arguments[4]);
}

SyscallResult net_submit(SyscallContext& context, const Arguments&) {
    return context.state.net.submit(context.state, context.caller);
}

}  // namespace exo::syscall

// Until the filter engine (kernel/net/filter) is merged: no filter can be installed.
namespace exo::syscall {
SyscallResult net_filter_install(SyscallContext&, const Arguments&) {
    return abi::Error::NoNetwork;
}
SyscallResult net_filter_remove(SyscallContext&, const Arguments&) {
    return abi::Error::NoNetwork;
}
}  // namespace exo::syscall
