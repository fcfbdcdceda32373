#!/usr/bin/env bash
# Fast/slow agreement: boots the same scenario twice, once as the ordinary image and once with
# every fast path of the trap vector off (selftests/slow_paths.cpp), and compares the consoles
# line by line. The fast paths only perform what the C++ decides, so what an environment can
# observe must not depend on which path ran it.
#
#   compare_paths.sh --fast K.elf --slow K_slow.elf [--timeout SECONDS] [--logs PREFIX]
#                    [--ignore REGEX]... -- <qemu command...>
#
# Both runs must end with "exo: exit status 0". Removed before comparing: everything before the
# kernel's banner (the firmware's), and the lines that say which paths run (the self-test's
# banner, the exception route). --ignore removes more (one extended regex each); a scenario
# passes one only for a figure that legitimately depends on how many instructions the kernel
# retires, and says why where it does (scenarios.cmake).
set -uo pipefail

fast="" slow="" timeout_seconds=60 logs="" ignores=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fast) fast=$2; shift 2 ;;
    --slow) slow=$2; shift 2 ;;
    --timeout) timeout_seconds=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    --ignore) ignores+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "compare_paths: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $fast && -n $slow && $# -gt 0 ]] || { echo "compare_paths: need --fast, --slow and a QEMU command" >&2; exit 2; }
[[ -n $logs ]] || logs=$(mktemp -d)/run

failures=0
for kind in fast slow; do
  kernel=${!kind}
  # timeout -k: a guest idling in wfi with -icount sleep=off ignores SIGTERM.
  timeout -k 5 "$timeout_seconds" "$@" -kernel "$kernel" </dev/null 2>&1 | tr -d '\r' >"$logs.$kind.log"
  if ! grep -qx "exo: exit status 0" "$logs.$kind.log"; then
    echo "FAIL: the $kind run did not end with 'exo: exit status 0' ($logs.$kind.log)"
    failures=$((failures + 1))
  fi
  filter=(-e '/^selftest: every fast path off$/d' -e '/^exo: accessed\/dirty bits set by /d')
  sed -n '/^exo: RISC-V exokernel on /,$p' "$logs.$kind.log" | sed "${filter[@]}" >"$logs.$kind.compared"
  for pattern in "${ignores[@]}"; do
    sed -E -i "s/$pattern/<ignored>/g" "$logs.$kind.compared"
  done
done

if ! diff -u --label fast --label slow "$logs.fast.compared" "$logs.slow.compared"; then
  echo "FAIL: the fast and slow paths disagree (above: - fast, + slow)"
  failures=$((failures + 1))
fi
[[ $failures -eq 0 ]] || exit 1
echo "PASS: fast and slow paths agree ($(grep -c . "$logs.fast.compared") lines compared)"
