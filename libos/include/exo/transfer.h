// Protected control transfer for library OSes: Call another environment's registered entry
// with up to four arguments in registers and get five results back; serve entries of our own.
// Like a C call, a transfer clobbers the caller-saved registers; the callee-saved ones, sp, gp
// and tp are the caller's again when the reply arrives.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exo/syscall.h>

namespace exo {

struct CallResult {
    abi::Error error;
    uint64_t value[5];
};

inline CallResult call(abi::Syscall kind, uint64_t target, uint64_t entry, uint64_t arg0 = 0,
                       uint64_t arg1 = 0, uint64_t arg2 = 0, uint64_t arg3 = 0) {
    TrapRegisters r = trap(static_cast<uint64_t>(kind), target, entry, arg0, arg1, arg2, arg3);
    return {static_cast<abi::Error>(r.a[0]), {r.a[1], r.a[2], r.a[3], r.a[4], r.a[5]}};
}

// A synchronous call: runs `entry` of `target` and returns its Reply.
inline CallResult call(uint64_t target, uint64_t entry, uint64_t arg0 = 0, uint64_t arg1 = 0,
                       uint64_t arg2 = 0, uint64_t arg3 = 0) {
    return call(abi::Syscall::Call, target, entry, arg0, arg1, arg2, arg3);
}

// Asynchronous: enters `target` at `entry` with the rest of our slot; no reply comes.
inline abi::Error send(uint64_t target, uint64_t entry, uint64_t arg0 = 0, uint64_t arg1 = 0) {
    return call(abi::Syscall::Send, target, entry, arg0, arg1).error;
}

// What an entry does: the caller's id, the four arguments; it fills up to five results.
using CallHandler = void (*)(uint64_t caller, const uint64_t arguments[4], uint64_t results[5]);
// Registers `handler` at call entry `entry` (0..3). Calls reply with the results; sends return.
abi::Error serve(uint64_t entry, CallHandler handler);

}  // namespace exo
