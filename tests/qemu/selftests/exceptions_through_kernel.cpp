// Self-test: exceptions go through the kernel, as on hardware that leaves accessed/dirty bits
// to software (Svade): the environment's exception page is the always-busy one, so the trap
// vector's fast path declines every exception and the kernel's C++ delivers it to the same
// handler through the real trap page.
#include "boot/selftest.h"
#include "drivers/console.h"
#include "memory/accessed_bits.h"

namespace exo {

void run_kernel_selftests() {
    kprintf("selftest: exceptions through the kernel's slow path\n");
    force_exceptions_through_kernel = true;
}

}  // namespace exo
