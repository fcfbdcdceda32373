// The library OS's view of the kernel: one inline function per syscall, over the register
// convention in <abi/syscall.h>.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>

namespace exo {

struct SyscallReturn {
    abi::Error error;
    uint64_t value;
};

// The raw trap: a7 = number, a0..a5 = arguments; a0 = error, a1 = value. t0-t6 and a2-a7 are
// clobbered by the ABI.
inline SyscallReturn syscall(uint64_t number, uint64_t arg0 = 0, uint64_t arg1 = 0,
                             uint64_t arg2 = 0, uint64_t arg3 = 0, uint64_t arg4 = 0,
                             uint64_t arg5 = 0) {
    register uint64_t a0 asm("a0") = arg0;
    register uint64_t a1 asm("a1") = arg1;
    register uint64_t a2 asm("a2") = arg2;
    register uint64_t a3 asm("a3") = arg3;
    register uint64_t a4 asm("a4") = arg4;
    register uint64_t a5 asm("a5") = arg5;
    register uint64_t a7 asm("a7") = number;
    asm volatile("ecall"
                 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a7)
                 :
                 : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a6", "memory");
    return {static_cast<abi::Error>(a0), a1};
}

inline SyscallReturn syscall(abi::Syscall number, uint64_t arg0 = 0, uint64_t arg1 = 0,
                             uint64_t arg2 = 0, uint64_t arg3 = 0, uint64_t arg4 = 0,
                             uint64_t arg5 = 0) {
    return syscall(static_cast<uint64_t>(number), arg0, arg1, arg2, arg3, arg4, arg5);
}

inline abi::Error null_syscall() { return syscall(abi::Syscall::Null).error; }

inline SyscallReturn console_write(const void* text, size_t length) {
    return syscall(abi::Syscall::ConsoleWrite, reinterpret_cast<uint64_t>(text), length);
}

[[noreturn]] inline void exit(int status) {
    syscall(abi::Syscall::Exit, static_cast<uint64_t>(status));
    __builtin_unreachable();
}

}  // namespace exo
