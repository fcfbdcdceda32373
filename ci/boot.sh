#!/usr/bin/env bash
# Builds a board image and boots it in QEMU on this terminal (default: qemu-virt, image default).
#   ci/boot.sh [board] [image]      e.g. ci/boot.sh hifive-unleashed
# Installs missing packages first (ci/setup.sh). QEMU exits when the kernel shuts down, with the
# kernel's status on virt (sifive_u has no exit device: it exits 0 and the console shows it).
set -euo pipefail
cd "$(dirname "$0")/.."
board=${1:-qemu-virt}
image=${2:-default}
ci/setup.sh
cmake --preset "$board" >/dev/null
cmake --build --preset "$board"
mapfile -t qemu <"build/$board/qemu_command"
if [[ -z ${qemu[0]:-} ]]; then
  echo "boot: no emulator models $board; flash build/$board/kernel-$image.elf" >&2
  exit 1
fi
exec timeout -k 5 300 "${qemu[@]}" -kernel "build/$board/kernel-$image.elf"
