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

    static constexpr SyscallResult ok(uint64_t value = 0) { return {abi::Error::Ok, value}; }
    static constexpr SyscallResult fail(abi::Error error) { return {error, 0}; }
};

}  // namespace exo
