// The one checked step from a raw a7 value to a syscall number (and the result type it returns).
#pragma once

#include <abi/syscall.h>
#include <cstdint>
#include <optional>

#include "syscalls/syscall_result.h"

namespace exo {

constexpr std::optional<abi::Syscall> decode_syscall(uint64_t number) {
    if (number >= static_cast<uint64_t>(abi::Syscall::Count)) return std::nullopt;
    return static_cast<abi::Syscall>(number);
}

}  // namespace exo
