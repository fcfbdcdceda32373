#!/usr/bin/env bash
# Boots one board image in QEMU and judges the run by its console and its exit status.
#
#   run_scenario.sh --kernel K.elf --status N [--expect TEXT]... [--reject TEXT]...
#                   [--timeout SECONDS] [--log FILE] -- <qemu command...>
#
# Passes only when the console shows "exo: exit status N", every --expect text appears (in the
# given order), no --reject text appears, and QEMU itself ended (no timeout). QEMU runs under
# `timeout -k`: a guest idling in wfi with -icount sleep=off ignores SIGTERM.
set -uo pipefail

kernel="" status="" timeout_seconds=30 log=""
expects=() rejects=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --status) status=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --reject) rejects+=("$2"); shift 2 ;;
    --timeout) timeout_seconds=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run_scenario: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $kernel && -n $status && $# -gt 0 ]] || { echo "run_scenario: need --kernel, --status and a QEMU command" >&2; exit 2; }
[[ -n $log ]] || log=$(mktemp)

timeout -k 5 "$timeout_seconds" "$@" -kernel "$kernel" </dev/null >"$log" 2>&1
qemu_status=$?
tr -d '\r' <"$log" >"$log.clean" && mv "$log.clean" "$log"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if [[ $qemu_status -eq 124 || $qemu_status -eq 137 ]]; then
  fail "QEMU did not finish within ${timeout_seconds}s"
fi
if ! grep -qx "exo: exit status $status" "$log"; then
  fail "expected 'exo: exit status $status'; saw: $(grep -o 'exo: exit status .*' "$log" | head -1)"
fi
# The exit device carries the status out of QEMU where the board has one (virt); otherwise
# (sifive_u reboots with -no-reboot) QEMU exits 0.
if [[ $qemu_status -ne 0 && $qemu_status -ne $status ]]; then
  fail "QEMU exit status $qemu_status, expected 0 or $status"
fi
remaining=$(cat "$log")
for text in "${expects[@]}"; do
  if [[ $remaining == *"$text"* ]]; then
    remaining=${remaining#*"$text"}
  else
    fail "missing (in order): $text"
  fi
done
for text in "${rejects[@]}"; do
  if grep -qF -- "$text" "$log"; then fail "unexpected: $text"; fi
done

if [[ $failures -ne 0 ]]; then
  echo "---- console ($log) ----"
  sed -n '/^exo:/,$p' "$log" | head -200
  exit 1
fi
echo "PASS ($(grep -c . "$log") console lines, exit status $status)"
