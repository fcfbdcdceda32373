// The self-test hook of ordinary images: nothing to run.
#include "boot/selftest.h"

namespace exo {

void run_kernel_selftests() {}

}  // namespace exo
