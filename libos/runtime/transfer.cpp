// Call entries: the kernel enters call_entry as an upcall with the caller's id, the entry number
// and the arguments in a0..a5; it replies to a Call, or ends a Send's upcall.
#include <exo/syscall.h>
#include <exo/transfer.h>

namespace exo {
namespace {

CallHandler handlers[abi::kCallEntries] = {};
alignas(16) char call_stack[8192];

[[noreturn]] void call_entry(uint64_t caller, uint64_t entry, uint64_t a2, uint64_t a3, uint64_t a4,
                             uint64_t a5) {
    const uint64_t arguments[4] = {a2, a3, a4, a5};
    uint64_t results[5] = {};
    handlers[entry](caller, arguments, results);
    // A Call waits for this reply; after a Send there is nobody to reply to.
    (void)syscall(abi::Syscall::Reply, 0, results[0], results[1], results[2], results[3], results[4]);
    upcall_resume();
}

}  // namespace

abi::Error serve(uint64_t entry, CallHandler handler) {
    if (entry >= abi::kCallEntries) return abi::Error::InvalidArgument;
    handlers[entry] = handler;
    auto kind = static_cast<abi::Entry>(static_cast<uint64_t>(abi::Entry::Call0) + entry);
    return set_entry(kind, handler ? reinterpret_cast<uint64_t>(&call_entry) : 0,
                     reinterpret_cast<uint64_t>(call_stack + sizeof(call_stack)));
}

}  // namespace exo
