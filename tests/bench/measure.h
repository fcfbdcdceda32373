// Retired-instruction measurement for the benchmark environment: rdinstret around the code of
// interest, the median over many runs, the cost of the measurement itself subtracted. Exact and
// repeatable under QEMU's -icount shift=0,align=off,sleep=off.
#pragma once

#include <cstdint>

#include <exos/console.h>

namespace exos {
class FramePool;
class Pipe;
}

namespace bench {

// One row of the table, as run_bench.sh reads it.
inline void report(const char* name, uint64_t instructions) {
    exos::printf("BENCH %s %lu\n", name, instructions);
}

// A setup step that must work for the figures to mean anything; the image exits with the count.
inline int failures = 0;
inline void check(bool condition, const char* what) {
    if (!condition) {
        exos::printf("bench: setup failed: %s\n", what);
        ++failures;
    }
}

// The disk rows (bench_disk.cpp), on a board with a disk; elsewhere each row says "none".
void disk_rows(exos::FramePool& pool);
// Costs as ordinary use pays them (bench_ordinary.cpp).
void ordinary_syscall_rows();
void ordinary_trap_row(uint64_t page);
void ordinary_frame_rows();
void ordinary_grant_rows(exos::FramePool& pool, uint64_t grantee);
void ordinary_ipc_rows(uint64_t peer, exos::Pipe& to_peer, exos::Pipe& from_peer);
void upcall_entry();  // bench_upcall.cpp

// The spin loop the interrupt-timed rows run in (bench.cpp): publishes instret in *spin every
// iteration until *changed differs from `before`; loop_tail(pc) is how many instructions
// retired after the last published value, for an interrupt taken at pc.
uint64_t loop_tail(uint64_t pc);

inline uint64_t instret() {
    uint64_t value;
    asm volatile("rdinstret %0" : "=r"(value)::"memory");
    return value;
}

inline constexpr int kRuns = 101;

inline uint64_t median(uint64_t* values, int count) {
    for (int i = 1; i < count; ++i) {  // insertion sort: 101 values
        uint64_t value = values[i];
        int j = i - 1;
        for (; j >= 0 && values[j] > value; --j) values[j + 1] = values[j];
        values[j + 1] = value;
    }
    return values[count / 2];
}

// The cost of an empty measurement: two back-to-back rdinstret.
inline uint64_t overhead() {
    uint64_t samples[kRuns];
    for (int i = 0; i < kRuns; ++i) {
        uint64_t start = instret();
        uint64_t end = instret();
        samples[i] = end - start;
    }
    return median(samples, kRuns);
}

// Median cost of body(), minus the measurement's own cost. setup() runs outside the window.
template <typename Setup, typename Body>
uint64_t measure(Setup&& setup, Body&& body, uint64_t divide_by = 1) {
    static uint64_t cost_of_measuring = overhead();
    uint64_t samples[kRuns];
    for (int i = 0; i < kRuns; ++i) {
        setup(i);
        uint64_t start = instret();
        body(i);
        uint64_t end = instret();
        samples[i] = end - start - cost_of_measuring;
    }
    return median(samples, kRuns) / divide_by;
}

}  // namespace bench

extern "C" void bench_spin(volatile uint64_t* spin, const volatile uint64_t* changed,
                           uint64_t before);
