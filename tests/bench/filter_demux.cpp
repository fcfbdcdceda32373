// The benchmark image's kernel self-test: the packet filters' rows (filter_demux_1, _16, _256),
// measured in the kernel before the benchmark environment starts, printed as its rows are.
#include "boot/selftest.h"
#include "drivers/console.h"
#include "tests/qemu/selftests/net_filter_rows.h"

namespace exo {

void run_kernel_selftests() {
    if (!print_filter_demux_rows()) kprintf("bench: setup failed: the packet filter rows\n");
}

}  // namespace exo
