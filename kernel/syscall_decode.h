// The one checked step from a raw a7 value to a syscall number, and from a result to registers.
#pragma once

#include <abi/syscall.h>
#include <cstdint>
#include <optional>

namespace exo {

constexpr std::optional<abi::Syscall> decode_syscall(uint64_t number) {
    if (number >= static_cast<uint64_t>(abi::Syscall::Count)) return std::nullopt;
    return static_cast<abi::Syscall>(number);
}

// What a syscall hands back: the error for a0 and, on success, a value for a1.
struct SyscallResult {
    abi::Error error = abi::Error::Ok;
    uint64_t value = 0;
    // False when the call already set the caller's registers (an upcall return restores a
    // whole saved frame) or the caller is gone.
    bool write_registers = true;

    static constexpr SyscallResult ok(uint64_t value = 0) { return {abi::Error::Ok, value}; }
    static constexpr SyscallResult fail(abi::Error error, uint64_t value = 0) {
        return {error, value};
    }
    static constexpr SyscallResult registers_set() { return {abi::Error::Ok, 0, false}; }
};

}  // namespace exo
