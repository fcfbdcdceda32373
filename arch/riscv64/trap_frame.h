// The register state saved on every trap: what an environment resumes from, and what panic prints.
#pragma once

#include <cstddef>
#include <cstdint>

namespace riscv {

// ABI register numbers (x1 = ra, x2 = sp, ...), so code reads frame.x[reg::a0].
namespace reg {
inline constexpr int ra = 1, sp = 2, gp = 3, tp = 4, t0 = 5, t1 = 6, t2 = 7, s0 = 8, s1 = 9;
inline constexpr int a0 = 10, a1 = 11, a2 = 12, a3 = 13, a4 = 14, a5 = 15, a6 = 16, a7 = 17;
inline constexpr int s2 = 18, t3 = 28, t4 = 29, t5 = 30, t6 = 31;
}  // namespace reg

// Laid out as abi::TrapState (cause, address, pc, registers), so an environment's main context
// is saved straight into its shared info page, where its library OS reads it.
struct TrapFrame {
    uint64_t scause;
    uint64_t stval;
    uint64_t sepc;
    uint64_t x[32];  // x[0] holds sstatus: x0 itself never needs saving

    uint64_t& pc() { return sepc; }
    uint64_t pc() const { return sepc; }
    uint64_t& sstatus() { return x[0]; }
    uint64_t sstatus() const { return x[0]; }
};

// A frame on the kernel stack, rounded up so the stack stays 16-aligned.
inline constexpr size_t kTrapFrameStackBytes = (sizeof(TrapFrame) + 15) & ~size_t{15};

extern const char* const kRegisterNames[32];

}  // namespace riscv
