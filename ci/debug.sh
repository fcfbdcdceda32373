#!/usr/bin/env bash
# Starts a board image in QEMU halted with its gdb stub on :1234, and attaches gdb-multiarch
# with the kernel's symbols, stopped at kmain.
#   ci/debug.sh [board] [image]
set -euo pipefail
cd "$(dirname "$0")/.."
board=${1:-qemu-virt}
image=${2:-default}
elf="build/$board/kernel-$image.elf"
[[ -f $elf ]] || { cmake --preset "$board" >/dev/null && cmake --build --preset "$board"; }
mapfile -t qemu <"build/$board/qemu_command"
timeout -k 5 3600 "${qemu[@]}" -kernel "$elf" -s -S -display none -serial file:"build/$board/debug-console.log" &
trap 'kill %1 2>/dev/null || true' EXIT
gdb-multiarch -q "$elf" -ex "target remote :1234" -ex "break kmain" -ex continue "$@"
