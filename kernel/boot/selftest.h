// Kernel self-tests that only a test image links in (tests/qemu/selftests/): each board image
// links exactly one definition of run_kernel_selftests; the default one does nothing.
#pragma once

namespace exo {

void run_kernel_selftests();

}  // namespace exo
