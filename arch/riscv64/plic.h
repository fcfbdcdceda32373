// The platform-level interrupt controller (RISC-V PLIC spec 1.0.0): priorities, one hart
// context's enable bits, threshold and claim/complete. The base address and the context come
// from the device tree.
#pragma once

#include <cstdint>

#include "drivers/mmio.h"

namespace riscv {

class Plic {
public:
    Plic() = default;
    Plic(exo::Mmio registers, uint32_t context) : registers_(registers), context_(context) {}
    bool present() const { return registers_.present(); }

    void set_priority(uint32_t line, uint32_t priority) const;
    void set_enabled(uint32_t line, bool enabled) const;
    void set_threshold(uint32_t threshold) const;
    // The highest-priority pending line for this context (0: none), now in service.
    uint32_t claim() const;
    void complete(uint32_t line) const;

private:
    exo::Mmio registers_;
    uint32_t context_ = 0;
};

}  // namespace riscv
