// Floating-point state of an environment, switched by the kernel (arch/riscv64/fpu.S).
#pragma once

#include <cstdint>

namespace riscv {

struct FpState {
    uint64_t f[32];
    uint64_t fcsr;
};
static_assert(sizeof(FpState) == 33 * 8);

}  // namespace riscv

extern "C" {
void fpu_save(riscv::FpState* state);
void fpu_restore(const riscv::FpState* state);
void fpu_clear();
}
