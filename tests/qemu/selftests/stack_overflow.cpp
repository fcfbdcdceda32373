// Self-test: the kernel recurses until it runs off its stack. The guard page below the stack
// must turn that into a clean panic naming the overflow, not silent memory corruption.
#include "boot/selftest.h"
#include "drivers/console.h"

namespace exo {
namespace {

// noinline and a volatile frame: each call really takes 512 bytes of stack.
[[gnu::noinline]] uint64_t recurse(uint64_t depth) {
    volatile uint8_t frame[512];
    frame[0] = static_cast<uint8_t>(depth);
    if (depth == ~uint64_t{0}) return frame[0];  // never: the stack runs out long before
    return recurse(depth + 1) + frame[0];
}

}  // namespace

void run_kernel_selftests() {
    kprintf("selftest: recursing until the kernel stack overflows\n");
    kprintf("selftest: %lu\n", recurse(0));
}

}  // namespace exo
