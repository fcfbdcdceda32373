// upcall_entry (issue 17): a kernel-initiated upcall, the slot's end, to the first instruction
// of the environment's SliceEnd entry. The bench owns every slot; it spins in bench_spin
// publishing instret, the slot ends, and the entry's first instruction reads the counter (as
// slice_switch times the peer's entry, with the same loop_tail correction; the entry keeps the
// spin's last value as it found it). The entry then counts itself and yields, and the next
// slot, ours, resumes the spin, which sees the count change.
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "measure.h"

namespace {

volatile uint64_t spin = 0, entered = 0, spin_at_entry = 0, entries = 0;
alignas(16) char entry_stack[4096];

// Emitted from inside a function so the Yield number is an "i" operand (top-level asm takes
// none); the globals are this file's (the anonymous namespace's mangled names).
[[gnu::used]] void emit_slice_end_entry() {
    asm volatile(R"(
    .pushsection .text.bench_slice_end_entry, "ax", @progbits
    .globl bench_slice_end_entry
bench_slice_end_entry:
    rdinstret t0
    lla     t1, _ZN12_GLOBAL__N_17enteredE
    sd      t0, 0(t1)
    lla     t1, _ZN12_GLOBAL__N_14spinE         # the spin's last value, as it was
    ld      t2, 0(t1)
    lla     t1, _ZN12_GLOBAL__N_113spin_at_entryE
    sd      t2, 0(t1)
    lla     t1, _ZN12_GLOBAL__N_17entriesE
    ld      t2, 0(t1)
    addi    t2, t2, 1
    sd      t2, 0(t1)
1:  li      a0, 0
    li      a7, %[yield]
    ecall
    j       1b
    .popsection
    )"
                 :
                 : [yield] "i"(static_cast<uint64_t>(abi::Syscall::Yield)));
}

}  // namespace

extern "C" void bench_slice_end_entry();

void bench::upcall_entry() {
    check(exos::set_entry(abi::Entry::SliceEnd, reinterpret_cast<uint64_t>(&bench_slice_end_entry),
                          reinterpret_cast<uint64_t>(entry_stack + sizeof(entry_stack))) ==
              abi::Error::Ok,
          "slice-end entry");
    uint64_t cost_of_measuring = overhead();
    uint64_t samples[kRuns];
    for (int i = 0; i < kRuns; ++i) {
        uint64_t before = entries;
        bench_spin(&spin, &entries, before);
        uint64_t tail = loop_tail(exos::shared_info().preempted.pc);
        samples[i] = entered - spin_at_entry - cost_of_measuring - tail;
    }
    check(exos::set_entry(abi::Entry::SliceEnd, 0, 0) == abi::Error::Ok, "slice-end entry gone");
    report("upcall_entry", median(samples, kRuns));
}
