#!/usr/bin/env bash
# Builds the benchmark image and runs it under QEMU's instruction counter, where retired
# instructions are exact and repeatable. Prints the image's "BENCH <name> <instructions>" lines,
# then a table against tests/bench/budgets.txt; exits 1 if an operation is over its budget or
# missing (budgets apply to qemu-virt; other boards print their numbers only).
#   ci/bench.sh [board]        (qemu-virt or hifive-unleashed)
set -euo pipefail
cd "$(dirname "$0")/.."
board=${1:-qemu-virt}
ci/setup.sh >/dev/null
cmake --preset "$board" >/dev/null
cmake --build --preset "$board" --target kernel-bench >/dev/null
# The board's own command line: virt runs one hart; sifive_u needs two (hart 0, the monitor
# core, stays parked in OpenSBI, so the counts still come from one hart).
mapfile -t qemu <"build/$board/qemu_command"
log="build/$board/bench.log"
timeout -k 5 300 "${qemu[@]}" -icount shift=0,align=off,sleep=off \
    -kernel "build/$board/kernel-bench.elf" </dev/null >"$log" 2>&1 || true
tr -d '\r' <"$log" | grep '^BENCH ' | tee "build/$board/bench.txt"

status=0
printf '\n%-28s %12s %8s  %s\n' operation instructions budget ""
while read -r name budget; do
  [[ -z $name || $name == \#* ]] && continue
  measured=$(awk -v n="$name" '$1 == "BENCH" && $2 == n {print $3}' "build/$board/bench.txt")
  if [[ -z $measured ]]; then
    printf '%-28s %12s %8s  %s\n' "$name" "-" "$budget" "NOT MEASURED"
    [[ $board == qemu-virt ]] && status=1
  elif [[ $board == qemu-virt && $measured -gt $budget ]]; then
    printf '%-28s %12s %8s  %s\n' "$name" "$measured" "$budget" "OVER BUDGET"
    status=1
  else
    printf '%-28s %12s %8s\n' "$name" "$measured" "$budget"
  fi
done <tests/bench/budgets.txt
grep -q '^exo: exit status 0' <(tr -d '\r' <"$log") || { echo "bench: the image did not finish cleanly (see $log)"; status=1; }
exit $status
