// The running kernel's singletons: its ownership state and the environment on the CPU.
#pragma once

#include "arch/riscv64/hart_page.h"
#include "kernel_state.h"

namespace exo {

KernelState& kernel_state();

// The environment on the CPU: the trap vector's fast transfers change it without the C++.
inline Environment& current_environment() {
    return *static_cast<Environment*>(riscv::hart_page().current_environment);
}

}  // namespace exo
