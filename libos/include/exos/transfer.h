// Protected control transfer for library OSes: Call another environment's registered entry
// with up to four arguments in registers and get five results back; serve entries of our own.
// The kernel passes registers through (abi/syscall.h), so this wrapper is where the caller's
// state is kept: gp is reloaded after the ecall (the callee's is its own) and every other
// register is declared clobbered, so the compiler keeps nothing in them (integer or floating
// point) that it needs. tp is this library OS's scratch (abi/trap_page.h), never relied on.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/syscall.h>

namespace exos {

struct CallResult {
    abi::Error error;
    uint64_t value[5];
};

// The raw transfer: number = abi::kCall + entry (or kSend + entry); a0 = target, a1..a4 the
// arguments; a0..a5 come back.
inline CallResult transfer(uint64_t number, uint64_t target, uint64_t arg0, uint64_t arg1,
                           uint64_t arg2, uint64_t arg3) {
    register uint64_t a0 asm("a0") = target;
    register uint64_t a1 asm("a1") = arg0;
    register uint64_t a2 asm("a2") = arg1;
    register uint64_t a3 asm("a3") = arg2;
    register uint64_t a4 asm("a4") = arg3;
    register uint64_t a5 asm("a5") = 0;
    register uint64_t a7 asm("a7") = number;
    asm volatile(
        "ecall\n .option push\n .option norelax\n lla gp, __global_pointer$\n .option pop"
        : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a7)
        :
        : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a6", "s0", "s1", "s2", "s3", "s4", "s5",
          "s6", "s7", "s8", "s9", "s10", "s11", "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6",
          "ft7", "ft8", "ft9", "ft10", "ft11", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6",
          "fa7", "fs0", "fs1", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10",
          "fs11", "memory");
    return {static_cast<abi::Error>(a0), {a1, a2, a3, a4, a5}};
}

// A synchronous call: runs `entry` (0..3) of `target` and returns its Reply.
inline CallResult call(uint64_t target, uint64_t entry, uint64_t arg0 = 0, uint64_t arg1 = 0,
                       uint64_t arg2 = 0, uint64_t arg3 = 0) {
    if (entry >= abi::kCallEntries) return {abi::Error::InvalidArgument, {}};
    return transfer(abi::kCall + entry, target, arg0, arg1, arg2, arg3);
}

// Asynchronous: enters `target` at `entry` with the rest of our slot; no reply comes.
inline abi::Error send(uint64_t target, uint64_t entry, uint64_t arg0 = 0, uint64_t arg1 = 0) {
    if (entry >= abi::kCallEntries) return abi::Error::InvalidArgument;
    return transfer(abi::kSend + entry, target, arg0, arg1, 0, 0).error;
}

// What an entry does: the caller's id, the four arguments; it fills up to five results (the
// ones it leaves are zero).
using CallHandler = void (*)(uint64_t caller, uint64_t arg0, uint64_t arg1, uint64_t arg2,
                             uint64_t arg3, uint64_t results[5]);
// Registers `handler` at call entry `entry` (0..3). Calls reply with the results; sends return.
abi::Error serve(uint64_t entry, CallHandler handler);

}  // namespace exos
