#!/usr/bin/env bash
# Builds a board image and boots it in QEMU on this terminal (default: qemu-virt, image default,
# which is the shell: docs/shell.md). On qemu-virt it attaches build/qemu-virt/disk.img, a FAT
# volume with the shell's programs in /bin (ci/make_disk.sh; made once, files written in the
# guest stay). Type `exit` to end the shell and the machine; Ctrl-A X leaves QEMU at any time.
#   ci/boot.sh [board] [image]      e.g. ci/boot.sh hifive-unleashed, ci/boot.sh qemu-virt hello
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
disk=()
if [[ $board == qemu-virt ]]; then
  ci/make_disk.sh "build/$board" "build/$board/disk.img"
  drive="file=build/$board/disk.img,if=none,format=raw,id=disk0"
  disk=(-drive "$drive" -device "virtio-blk-device,drive=disk0")
fi
# A person at the terminal keeps the shell as long as they like; unattended, a hung boot ends.
limit=(timeout -k 5 300)
[[ -t 0 ]] && limit=()
exec "${limit[@]}" "${qemu[@]}" "${disk[@]}" -kernel "build/$board/kernel-$image.elf"
