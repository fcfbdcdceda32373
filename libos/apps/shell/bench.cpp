// bench: a few rows of the exokernel operation table (tests/bench, docs/benchmarks.md),
// measured here and now in retired instructions around each call (the median of 31, the cost
// of reading the counter taken off), beside their budgets from tests/bench/budgets.txt. Exact
// only under QEMU's -icount (ci/bench.sh); without it QEMU's instret follows the host's clock.
#include <exos/bench_budgets.h>
#include <exos/console.h>
#include <exos/syscall.h>

#include "shell.h"

namespace shell {

namespace {

constexpr uint64_t kScratchVa = 0x3ffffe8000;  // beside the shared page: a table already exists
constexpr int kRuns = 31;

uint64_t instret() {
    uint64_t value;
    asm volatile("rdinstret %0" : "=r"(value)::"memory");  // a read of the counter, in U-mode
    return value;
}

uint64_t median(uint64_t (&values)[kRuns]) {
    for (int i = 1; i < kRuns; ++i) {
        uint64_t value = values[i];
        int j = i - 1;
        for (; j >= 0 && values[j] > value; --j) values[j + 1] = values[j];
        values[j + 1] = value;
    }
    return values[kRuns / 2];
}

template <typename Body>
uint64_t measure(Body&& body) {
    uint64_t empty[kRuns], samples[kRuns];
    for (uint64_t& sample : empty) {
        uint64_t start = instret();
        sample = instret() - start;
    }
    uint64_t overhead = median(empty);
    for (uint64_t& sample : samples) {
        uint64_t start = instret();
        body();
        uint64_t spent = instret() - start;
        sample = spent > overhead ? spent - overhead : 0;
    }
    return median(samples);
}

void row(const char* name, uint64_t measured) {
    uint64_t budget = 0;
    for (const exos::BenchBudget& entry : exos::kBenchBudgets) {
        if (equal(entry.name, name)) budget = entry.budget;
    }
    exos::printf("%-28s %12lu %8lu\n", name, measured, budget);
}

}  // namespace

int command_bench(int, char**) {
    constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
    std::optional<uint64_t> page = pool().take();
    if (!page || !map_pages(kScratchVa, *page, 1)) {
        exos::printf("bench: no page to measure with\n");
        return 1;
    }
    exos::printf("bench: retired instructions, median of %d (exact under QEMU -icount; "
                 "ci/bench.sh runs the whole table)\n",
                 kRuns);
    exos::printf("%-28s %12s %8s\n", "operation", "instructions", "budget");
    row("null_syscall", measure([] { (void)exos::null_syscall(); }));
    row("prot1", measure([] { (void)exos::protect(kScratchVa, 1, abi::permission::kRead); }));
    (void)exos::protect(kScratchVa, 1, RW);
    row("dirty", measure([] { (void)exos::pte_read(kScratchVa); }));
    (void)exos::unmap(kScratchVa);
    pool().add(*page);
    row("frame_alloc_map_unmap_free", measure([] {
            uint64_t frame = exos::frame_alloc().value;
            (void)exos::map(kScratchVa, frame, 1, RW);
            (void)exos::unmap(kScratchVa);
            (void)exos::frame_free(frame);
        }));
    return 0;
}

}  // namespace shell
