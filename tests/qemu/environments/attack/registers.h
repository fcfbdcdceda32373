// Register-level tools for the gate attack: an ecall made with every register set to a known
// pattern and every register read back, and the test of what may come back. The kernel may
// leave a register zero or as the caller left it; it must never leave a kernel-half address or
// a satp value (mode 8 in the top four bits, Sv39) in one (docs/abi.md, "Registers").
#pragma once

#include <abi/syscall.h>
#include <cstdint>

namespace attack {

// regs[n] is xn. In: x1 and x5..x31 (a7 the number, a0..a5 the arguments). Out: x1..x31 after
// the ecall (sp, gp and tp restored to ours after they were read).
extern "C" void attack_ecall(uint64_t regs[32]);

inline constexpr int kA0 = 10, kA1 = 11, kA6 = 16, kA7 = 17, kT0 = 5, kT1 = 6, kSp = 2, kGp = 3,
                     kTp = 4;

inline uint64_t pattern(int n) { return 0x5a5a000000 + static_cast<uint64_t>(n) * 0x101; }

// The kernel half (the top 256 GiB: bits 63..38 all set), or a satp. Written with shifts so the
// compiler keeps no kernel-half constant in a register of ours, which a call would pass on.
inline bool kernel_value(uint64_t value) {
    return (value >> 38) == 0x3ffffff || (value >> 60) == 8;
}

// Fills regs with the pattern and the call's number and arguments.
inline void prepare(uint64_t regs[32], uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0,
                    uint64_t a2 = 0) {
    for (int n = 0; n < 32; ++n) regs[n] = pattern(n);
    regs[kA7] = number;
    regs[kA0] = a0;
    regs[kA1] = a1;
    regs[12] = a2;
}

// Counts the registers that break the rule after a table syscall or a refused transfer: a0
// and a1 are the results (never a kernel value); every other register is zero or what we put
// there (which may be a kernel address we passed as an argument: ours, not a leak).
inline int leaks_after_syscall(const uint64_t before[32], const uint64_t after[32]) {
    int leaks = 0;
    for (int n = 1; n < 32; ++n) {
        if (n == kSp || n == kGp || n == kTp || after[n] == before[n]) continue;
        if (kernel_value(after[n])) ++leaks;
        else if (n != kA0 && n != kA1 && after[n] != 0) ++leaks;
    }
    return leaks;
}

// After a Call that was answered: the registers are the callee's, but none may be the kernel's,
// and the vector's own (t0, t1; a6 on the callee's side) come back zero.
inline int leaks_after_reply(const uint64_t after[32]) {
    int leaks = 0;
    for (int n = 1; n < 32; ++n) {
        if (n != kSp && kernel_value(after[n])) ++leaks;
    }
    return leaks + (after[kT0] != 0) + (after[kT1] != 0);
}

}  // namespace attack
