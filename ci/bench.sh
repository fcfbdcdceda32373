#!/usr/bin/env bash
# Builds the benchmark image and runs it under QEMU's instruction counter, where retired
# instructions are exact and repeatable. Prints the image's "BENCH <name> <instructions>" lines,
# then a table against tests/bench/budgets.txt. Exits 1 if an operation is missing, or over the
# ceiling recorded for a budget not met yet, or over its budget when it has no ceiling (as ctest
# runs it); with --strict, over any budget. Budgets apply to qemu-virt; other boards print their
# numbers only.
#   ci/bench.sh [--strict] [board]        (qemu-virt or hifive-unleashed)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
if [[ ${1:-} == --strict ]]; then mode=(--strict); shift; fi
board=${1:-qemu-virt}
ci/setup.sh >/dev/null
cmake --preset "$board" >/dev/null
targets=(kernel-bench)
[[ $board == qemu-virt ]] && targets+=(kernel-bench_net)  # the network rows' image (a NIC)
cmake --build --preset "$board" --target "${targets[@]}" >/dev/null
exec tests/bench/run_bench.sh "${mode[@]}" "build/$board" "$board" tests/bench/budgets.txt
