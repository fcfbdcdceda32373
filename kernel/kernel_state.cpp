// The running kernel's one KernelState (kernel_state.h). Here rather than in main.cpp, so the
// files that reach it (the scheduler, the syscall entry, the interrupt path) do not depend on the
// boot code. Host builds define kernel_state() over a test's state (tests/host/fake_hardware.cpp).
#include "kernel_state.h"

namespace exo {

namespace {
KernelState the_state;
}  // namespace

KernelState& kernel_state() { return the_state; }

}  // namespace exo
