// The system-call ABI shared by the kernel and every library OS: numbers, registers, errors.
//
// Register convention (an `ecall` from U-mode):
//   a7        syscall number (abi::Syscall)
//   a0..a5    arguments
//   a0        on return: abi::Error (0 = Ok)
//   a1        on return: the result value, where the call has one
// Every other register is preserved, except t0..t6 and a2..a7, which the kernel may clobber (the
// C calling convention's temporaries). The kernel never reads memory a call does not name.
#pragma once

#include <cstdint>

namespace abi {

enum class Syscall : uint64_t {
    Null = 0,          // does nothing; measures the kernel entry and exit path
    ConsoleWrite = 1,  // a0 = user pointer, a1 = length (<= kConsoleWriteMax) -> a1 = bytes written
    Exit = 2,          // a0 = status; does not return
    Count,             // one past the last number: anything at or above is UnknownSyscall
};

inline constexpr uint64_t kConsoleWriteMax = 4096;

// Small and dense, as seL4's and Tock's error codes are; 0 is success.
enum class [[nodiscard]] Error : uint64_t {
    Ok = 0,
    UnknownSyscall = 1,   // a7 is not a syscall number
    InvalidArgument = 2,  // an argument is out of its range
    BadAddress = 3,       // a user pointer is not mapped readable/writable by the caller
    NoMemory = 4,         // no frame to satisfy the request (for page tables: none of the caller's)
    AlreadyMapped = 5,    // the virtual page already has a mapping
    NotMapped = 6,        // the virtual page has no mapping
    Count,
};

constexpr const char* to_string(Error error) {
    switch (error) {
    case Error::Ok: return "ok";
    case Error::UnknownSyscall: return "unknown syscall";
    case Error::InvalidArgument: return "invalid argument";
    case Error::BadAddress: return "bad address";
    case Error::NoMemory: return "no memory";
    case Error::AlreadyMapped: return "already mapped";
    case Error::NotMapped: return "not mapped";
    case Error::Count: break;
    }
    return "?";
}

}  // namespace abi
