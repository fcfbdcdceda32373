// Self-test: every fast path of the trap vector off, so the scenario runs on the C++ alone
// (compare_paths.sh runs it beside the ordinary image and compares the consoles). Transfers,
// slot ends and table syscalls are the scheduler's and the syscall table's to switch off
// (fast_paths.h); exceptions go through the always-busy exception page, as on hardware that
// leaves accessed/dirty bits to software.
#include "accessed_bits.h"
#include "console.h"
#include "fast_paths.h"
#include "selftest.h"

namespace exo {

void run_kernel_selftests() {
    kprintf("selftest: every fast path off\n");
    fast_paths_enabled = false;
    force_exceptions_through_kernel = true;
}

}  // namespace exo
