// The packet filters' benchmark rows (docs/benchmarks.md, "The packet filter rows"), measured in
// the kernel on the real hart: the net_filter self-test image and the benchmark image both print
// them, as "BENCH filter_demux_<n> <compiled> interpreted <n> classify <n>".
#pragma once

namespace exo {

// Installs 1, 16 and 256 UDP port filters in turn and prints one row each; false when a setup
// step failed (the rows are then not printed).
bool print_filter_demux_rows();

}  // namespace exo
