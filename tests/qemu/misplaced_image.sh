#!/usr/bin/env bash
# The kernel started away from its link address must stop with a message instead of running
# (arch/riscv64/boot.S): on a board that is what a boot loader's wrong load address or a wrong
# text_offset in the image header would do. QEMU virt with fw_jump, which always jumps to
# 0x80200000: the raw image is loaded 2 MiB higher and a two-instruction trampoline at
# 0x80200000 (auipc t0, 0x200; jr t0) enters it there.
#   misplaced_image.sh <kernel.bin> <log> -- <qemu command...>
set -uo pipefail
image=$1 log=$2
shift 3
timeout -k 5 30 "$@" -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin \
  -device "loader,file=$image,addr=0x80400000,force-raw=on" \
  -device loader,addr=0x80200000,data=0x0002806700200297,data-len=8 </dev/null >"$log" 2>&1
status=$?
tr -d '\r' <"$log" >"$log.clean" && mv "$log.clean" "$log"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[[ $status -ne 124 && $status -ne 137 ]] || fail "QEMU did not stop: the kernel did not ask to"
expected="exo: PANIC: kernel image started at 0000000080400000, but it runs only at its link"
expected+=" address 0000000080200000"
grep -qF "$expected" "$log" || fail "no message naming both addresses"
! grep -q "^exo: RISC-V exokernel" "$log" || fail "the misplaced kernel went on booting"
if [[ $failures -ne 0 ]]; then
  tail -20 "$log"
  exit 1
fi
echo "PASS: started at 0x80400000, the kernel stopped before doing anything, saying why"
