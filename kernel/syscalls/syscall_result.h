// What a syscall hands back, as the caller's registers will hold it, and the TRY early return.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include "arch/riscv64/trap_frame.h"

namespace exo {

// a0 (the low word) and a1 (the high word), as the RISC-V calling convention returns a 2*XLEN
// scalar: a fast table call returns a SyscallResult straight to the trap vector in a0/a1.
using RegisterPair = unsigned __int128;

// A result is the caller's a0 (the error) and a1 (the value) already in place: there is nothing
// to convert on the fast path, and write_to below stores the same two words into a saved frame,
// so the register layout is written down once, here. (A struct of one 128-bit integer comes back
// in a0/a1 without a stack frame; GCC 12 gives a struct of two words a needless one.)
class [[nodiscard]] SyscallResult {
public:
    // An error converts implicitly: `return frames.allocate(...)` and TRY(copy_from_user(...)).
    constexpr SyscallResult(abi::Error error)  // NOLINT(google-explicit-constructor)
        : registers_(static_cast<uint64_t>(error)) {}

    static constexpr SyscallResult ok(uint64_t value = 0) {
        return SyscallResult(abi::Error::Ok, value);
    }
    // A failure may carry a value too (EnvCreate says how many frames it needs).
    static constexpr SyscallResult fail(abi::Error error, uint64_t value = 0) {
        return SyscallResult(error, value);
    }
    // The call set the caller's registers itself (an upcall return restores a whole saved frame,
    // a transfer switched environments) or the caller is gone: write_to leaves the frame alone.
    static constexpr SyscallResult registers_set() {
        return SyscallResult(kRegistersSet, 0);
    }

    constexpr abi::Error error() const {
        return registers_set_() ? abi::Error::Ok
                                : static_cast<abi::Error>(static_cast<uint64_t>(registers_));
    }
    constexpr uint64_t value() const { return static_cast<uint64_t>(registers_ >> 64); }
    constexpr bool failed() const { return error() != abi::Error::Ok; }
    // Whether write_to stores a0/a1 (false: the call set the registers itself).
    constexpr bool writes_registers() const { return !registers_set_(); }
    constexpr RegisterPair registers() const { return registers_; }

    // The one place a result becomes the caller's registers, for calls that run with a saved
    // frame (the fast path returns registers() in a0/a1 as it is).
    void write_to(riscv::TrapFrame& frame) const {
        if (registers_set_()) return;
        frame.x[riscv::reg::a0] = static_cast<uint64_t>(registers_);
        frame.x[riscv::reg::a1] = static_cast<uint64_t>(registers_ >> 64);
    }

private:
    // Not an abi::Error: a marker that never reaches a register.
    static constexpr uint64_t kRegistersSet = ~uint64_t{0};

    constexpr SyscallResult(abi::Error error, uint64_t value)
        : registers_(RegisterPair{value} << 64 | static_cast<uint64_t>(error)) {}
    constexpr SyscallResult(uint64_t error, uint64_t value)
        : registers_(RegisterPair{value} << 64 | error) {}
    constexpr bool registers_set_() const {
        return static_cast<uint64_t>(registers_) == kRegistersSet;
    }

    RegisterPair registers_;
};

}  // namespace exo

// Returns from the enclosing handler when `expression` (an abi::Error or a SyscallResult)
// failed, with that failure; goes on otherwise (SerenityOS AK/Try.h, without the value).
#define TRY(expression)                                                                  \
    do {                                                                                 \
        if (::exo::SyscallResult try_result_ = (expression); try_result_.failed())      \
            return try_result_;                                                          \
    } while (0)
