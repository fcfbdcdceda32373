// The running kernel's singletons: its ownership state and the environment on the CPU.
#pragma once

#include "arch/riscv64/hart_page.h"
#include "kernel_state.h"

namespace exo {

KernelState& kernel_state();

// The environment whose registers the trap vector saves: its frame is on the hart page, and
// the frame is an Environment's first member.
inline Environment& current_environment() {
    static_assert(offsetof(Environment, frame) == 0);
    return *reinterpret_cast<Environment*>(riscv::hart_page().current_frame);
}

}  // namespace exo
