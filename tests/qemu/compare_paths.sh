#!/usr/bin/env bash
# Fast/slow agreement: boots the same image twice, once as it is and once with the boot option
# exo.fast_paths=off (every fast path of the trap vector off, kernel/boot/boot_options.h), and
# compares the consoles line by line. The fast paths only perform what the C++ decides, so what an environment can
# observe must not depend on which path ran it.
#
#   compare_paths.sh --kernel K.elf [--timeout SECONDS] [--logs PREFIX] [--ignore REGEX]...
#                    -- <qemu command...>
#
# Both runs must end with "exo: exit status 0". Removed before comparing: everything before the
# kernel's banner (the firmware's), and the lines that say which paths run (the option's line,
# the exception route). The slow run must print the option's line: an ignored option fails. --ignore removes more (one extended regex each); a scenario
# passes one only for a figure that legitimately depends on how many instructions the kernel
# retires, and says why where it does (scenarios.cmake).
set -uo pipefail

kernel="" timeout_seconds=60 logs="" ignores=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --timeout) timeout_seconds=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    --ignore) ignores+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "compare_paths: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $kernel && $# -gt 0 ]] || { echo "compare_paths: need --kernel and a QEMU command" >&2; exit 2; }
slow_line="exo: boot option exo.fast_paths=off: every trap takes the general path"
[[ -n $logs ]] || logs=$(mktemp -d)/run

failures=0
for kind in fast slow; do
  options=()
  [[ $kind == slow ]] && options=(-append exo.fast_paths=off)
  # timeout -k: a guest idling in wfi with -icount sleep=off ignores SIGTERM.
  timeout -k 5 "$timeout_seconds" "$@" -kernel "$kernel" "${options[@]}" </dev/null 2>&1 |
    tr -d '\r' >"$logs.$kind.log"
  if ! grep -qx "exo: exit status 0" "$logs.$kind.log"; then
    echo "FAIL: the $kind run did not end with 'exo: exit status 0' ($logs.$kind.log)"
    failures=$((failures + 1))
  fi
  if [[ $kind == slow ]] && ! grep -qxF "$slow_line" "$logs.$kind.log"; then
    echo "FAIL: the kernel did not take the boot option exo.fast_paths=off ($logs.$kind.log)"
    failures=$((failures + 1))
  fi
  filter=(-e '/^exo: boot option exo.fast_paths=off: /d' -e '/^exo: accessed\/dirty bits set by /d')
  # The firmware reads the bootargs too: where the kernel was entered is the firmware's figure.
  filter+=(-e 's/kernel entry was at instret [0-9]+/kernel entry was at instret <firmware>/')
  # And the device tree's size: the slow run's carries the bootargs.
  filter+=(-e 's/^(exo: device tree at [0-9a-f]+), [0-9]+ bytes$/\1, <firmware> bytes/')
  sed -n '/^exo: RISC-V exokernel on /,$p' "$logs.$kind.log" | sed -E "${filter[@]}" >"$logs.$kind.compared"
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
