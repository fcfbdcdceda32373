#!/usr/bin/env bash
# Runs a built benchmark image under QEMU's instruction counter and prints the table against the
# budgets. ci/bench.sh builds and calls it; ctest calls it on a board build (bench.table_complete).
#   run_bench.sh [--report-only] <board build dir> <board name> <budgets file>
# Exit 1 when a row is missing, the image does not finish cleanly, or (without --report-only,
# on qemu-virt, where the budgets apply) an operation is over budget.
set -uo pipefail
report_only=0
if [[ ${1:-} == --report-only ]]; then report_only=1; shift; fi
build=$1 board=$2 budgets=$3
mapfile -t qemu <"$build/qemu_command"
log="$build/bench.log"
timeout -k 5 300 "${qemu[@]}" -icount shift=0,align=off,sleep=off \
    -kernel "$build/kernel-bench.elf" </dev/null >"$log" 2>&1
tr -d '\r' <"$log" | grep '^BENCH ' | tee "$build/bench.txt"

status=0
printf '\n%-28s %12s %8s  %s\n' operation instructions budget ""
while read -r name budget; do
  [[ -z $name || $name == \#* ]] && continue
  measured=$(awk -v n="$name" '$1 == "BENCH" && $2 == n {print $3}' "$build/bench.txt")
  if [[ -z $measured ]]; then
    printf '%-28s %12s %8s  %s\n' "$name" "-" "$budget" "NOT MEASURED"
    status=1
  elif [[ $board == qemu-virt && $measured -gt $budget ]]; then
    printf '%-28s %12s %8s  %s\n' "$name" "$measured" "$budget" "OVER BUDGET"
    [[ $report_only -eq 1 ]] || status=1
  else
    printf '%-28s %12s %8s\n' "$name" "$measured" "$budget"
  fi
done <"$budgets"
if ! tr -d '\r' <"$log" | grep -q '^exo: exit status 0'; then
  echo "bench: the image did not finish cleanly (see $log)"
  status=1
fi
exit $status
