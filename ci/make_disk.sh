#!/usr/bin/env bash
# The disk ci/boot.sh gives QEMU virt: a FAT16 volume (32 MiB) with the shell's programs in
# /bin (the board build's build/<board>/programs names them). A missing image is made; an
# existing one keeps what was written to it and gets the programs as built now.
#   ci/make_disk.sh <board build dir> <image>
set -euo pipefail
build=$1 image=$2
export MTOOLS_SKIP_CHECK=1
[[ -s $build/programs ]] || { echo "make_disk: $build/programs missing: build the board first" >&2; exit 1; }
if [[ ! -f $image ]]; then
  mkfs.fat -F 16 -n EXODISK -C "$image" 32768 >/dev/null
  printf '%s\n' "This disk is the shell's: its programs are in /bin (run <name> [args])." \
    "Files written here stay between boots of ci/boot.sh." >"$image.readme"
  mcopy -i "$image" "$image.readme" ::/README.txt
  rm -f "$image.readme"
fi
mmd -i "$image" ::/bin 2>/dev/null || true
while read -r program; do
  [[ -n $program ]] || continue
  mcopy -o -i "$image" "$build/environments/$program.elf" "::/bin/$program"
done <"$build/programs"
