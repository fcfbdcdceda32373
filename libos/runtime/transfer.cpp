// Call entries: the kernel enters one with the caller's registers (a0 = the caller's id, a1..a4
// the arguments) on our call stack. The entry loads our own gp first (the caller's points into
// its image, not ours), runs the handler, and replies to a Call; after a Send there is nobody to
// reply to and the entry ends with UpcallReturn.
#include <exos/syscall.h>
#include <exos/transfer.h>

namespace exos {
namespace {

CallHandler handlers[abi::kCallEntries] = {};
alignas(16) char call_stack[8192];

}  // namespace
}  // namespace exos

extern "C" [[noreturn]] void exos_call_entry(uint64_t caller, uint64_t a1, uint64_t a2, uint64_t a3,
                                            uint64_t a4, uint64_t entry) {
    uint64_t results[5] = {};
    exos::handlers[entry](caller, a1, a2, a3, a4, results);
    register uint64_t r0 asm("a1") = results[0];
    register uint64_t r1 asm("a2") = results[1];
    register uint64_t r2 asm("a3") = results[2];
    register uint64_t r3 asm("a4") = results[3];
    register uint64_t r4 asm("a5") = results[4];
    register uint64_t number asm("a7") = abi::kReply;
    register uint64_t error asm("a0");
    asm volatile("ecall"
                 : "=r"(error), "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(number)
                 :
                 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a6", "memory");
    (void)error;  // NotPermitted: nobody waits for a reply (a Send)
    exos::upcall_resume();
}

// One entry point per call entry: our gp, then the entry number in a5 (the fifth argument
// register is not part of this library's calls).
asm(R"(
    .text
    .irp k, 0,1,2,3
    .balign 4
    .globl exos_call_entry_\k
exos_call_entry_\k:
    .option push
    .option norelax
    lla     gp, __global_pointer$
    .option pop
    li      a5, \k
    j       exos_call_entry
    .endr
)");
extern "C" void exos_call_entry_0();
extern "C" void exos_call_entry_1();
extern "C" void exos_call_entry_2();
extern "C" void exos_call_entry_3();

namespace exos {

abi::Error serve(uint64_t entry, CallHandler handler) {
    static void (*const entries[abi::kCallEntries])() = {exos_call_entry_0, exos_call_entry_1,
                                                         exos_call_entry_2, exos_call_entry_3};
    if (entry >= abi::kCallEntries) return abi::Error::InvalidArgument;
    handlers[entry] = handler;
    auto kind = static_cast<abi::Entry>(static_cast<uint64_t>(abi::Entry::Call0) + entry);
    return set_entry(kind, handler ? reinterpret_cast<uint64_t>(entries[entry]) : 0,
                     reinterpret_cast<uint64_t>(call_stack + sizeof(call_stack)));
}

}  // namespace exos
