// The running kernel's singletons: its ownership state and the environment on the CPU.
#pragma once

#include "kernel_state.h"

namespace exo {

KernelState& kernel_state();
Environment& current_environment();

}  // namespace exo
