// The hart under the scheduler in host suites: CSRs, the timer, the FPU, the hart page, and the
// ways the kernel leaves for U-mode (thrown, so a test sees where it would have gone).
#pragma once

#include <cstdint>

#include "arch/riscv64/trap_frame.h"
#include "kernel_state.h"

namespace exo::test::hart {

// Thrown where the kernel would leave for good: the idle loop, return_to_user, shutdown.
struct LeftKernel {
    const char* where;
    riscv::TrapFrame* frame;
};

// A fresh hart page, CSRs and clock; kernel_state() is `state` from here on.
void reset(KernelState& state);
void set_time(uint64_t now);

}  // namespace exo::test::hart
