#!/usr/bin/env bash
# The syscall fast path saves no floating-point registers because the kernel never touches
# them: checks that no function of the kernel image but the FPU save/restore/clear routines
# contains a floating-point instruction (a compiler could emit some for a struct copy).
#   check_no_fpu.sh <objdump> <kernel.elf>
set -uo pipefail
objdump=$1 image=$2
offenders=$("$objdump" -d --no-show-raw-insn "$image" | awk '
    /^[0-9a-f]+ <.*>:$/ { function_name = $2 }
    /\tf[a-z.]+\t/ && function_name !~ /^<fpu_(save|restore|clear)>:$/ { print function_name }' | sort -u)
if [[ -n $offenders ]]; then
  echo "FAIL: floating-point instructions in: $offenders"
  exit 1
fi
echo "PASS: $image uses the FPU only in fpu_save, fpu_restore and fpu_clear"
