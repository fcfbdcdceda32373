#!/usr/bin/env bash
# Checks a board's sd.img (ci/make_sd_image.sh) as the board's boot chain reads it, without
# booting it (the only check there is for the Unmatched, which no emulator models):
#   - a power-of-two size (QEMU's SD model), a GPT whose partition 1 is the SPL at sector 34 with
#     the type the mask ROM looks for, partition 2 u-boot.itb at sector 2082 (where the SPL reads
#     it), partition 3 a FAT file system marked legacy-BIOS-bootable (what U-Boot's scan wants);
#   - the SPL and the ITB bytes at their sectors are exactly the board's firmware files;
#   - the FAT passes fsck.fat and holds /Image identical to the kernel's raw image and an
#     /extlinux/extlinux.conf that boots /Image.
#   check_sd_image.sh --image sd.img --spl u-boot-spl.bin --itb u-boot.itb --kernel kernel.bin
set -uo pipefail

image="" spl="" itb="" kernel=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --image) image=$2; shift 2 ;;
    --spl) spl=$2; shift 2 ;;
    --itb) itb=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    *) echo "check_sd_image: unknown argument $1" >&2; exit 2 ;;
  esac
done
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for file in "$spl" "$itb"; do
  if [[ ! -s $file ]]; then
    echo "FAIL: no U-Boot firmware at $file: run ci/fetch_uboot.sh (ci/setup.sh does)"
    exit 1
  fi
done
if [[ ! -s $image ]]; then
  echo "FAIL: no $image (target sd-image; it needs the U-Boot firmware)"
  exit 1
fi

size=$(stat -c %s "$image")
((size > 0 && (size & (size - 1)) == 0)) || fail "size $size is not a power of two"

# partition, first sector, last sector (0: any), type GUID, attribute flags (empty: any)
check_partition() {
  local info
  info=$(sgdisk -i "$1" "$image" 2>&1)
  local first last type attributes
  first=$(awk '/^First sector:/ {print $3}' <<<"$info")
  last=$(awk '/^Last sector:/ {print $3}' <<<"$info")
  type=$(awk '/^Partition GUID code:/ {print $4}' <<<"$info")
  attributes=$(awk '/^Attribute flags:/ {print $3}' <<<"$info")
  [[ $first == "$2" ]] || fail "partition $1 starts at sector '$first', expected $2"
  [[ $3 == 0 || $last == "$3" ]] || fail "partition $1 ends at sector '$last', expected $3"
  [[ $type == "$4" ]] || fail "partition $1 has type '$type', expected $4"
  [[ -z $5 || $attributes == "$5" ]] || fail "partition $1 attributes '$attributes', expected $5"
}
sgdisk -v "$image" | grep -q "No problems found" \
  || fail "sgdisk -v finds problems: $(sgdisk -v "$image")"
check_partition 1 34 2081 5B193300-FC78-40CD-8002-E86C45580B47 ""
check_partition 2 2082 10273 2E54B353-1271-4842-806F-E436D6AF6985 ""
# 0700 is Microsoft basic data; attribute bit 2 is legacy BIOS bootable.
check_partition 3 16384 0 EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 0000000000000004

cmp -s -n "$(stat -c %s "$spl")" "$spl" - < <(tail -c +$((34 * 512 + 1)) "$image") \
  || fail "the bytes at sector 34 are not $spl"
cmp -s -n "$(stat -c %s "$itb")" "$itb" - < <(tail -c +$((2082 * 512 + 1)) "$image") \
  || fail "the bytes at sector 2082 are not $itb"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
last=$(sgdisk -i 3 "$image" | awk '/^Last sector:/ {print $3}')
dd if="$image" of="$scratch/fat.img" bs=512 skip=16384 count=$((last - 16384 + 1)) status=none
fsck.fat -n "$scratch/fat.img" >"$scratch/fsck.log" 2>&1 \
  || fail "fsck.fat: $(cat "$scratch/fsck.log")"
if mcopy -n -i "$scratch/fat.img" ::/Image "$scratch/Image" 2>"$scratch/mcopy.log"; then
  cmp -s "$scratch/Image" "$kernel" || fail "/Image on the card differs from $kernel"
else
  fail "no /Image on the FAT partition: $(cat "$scratch/mcopy.log")"
fi
config=$(mtype -i "$scratch/fat.img" ::/extlinux/extlinux.conf 2>&1) \
  || fail "no /extlinux/extlinux.conf: $config"
default=$(awk '$1 == "default" {print $2}' <<<"$config")
[[ -n $default ]] || fail "extlinux.conf has no default label"
# The default label's kernel line: the first "kernel" after "label <default>".
booted=$(awk -v label="$default" '$1 == "label" {in_label = ($2 == label)}
                                  in_label && $1 == "kernel" {print $2; exit}' <<<"$config")
[[ $booted == /Image ]] \
  || fail "extlinux.conf's default label '$default' boots '$booted', not /Image"

[[ $failures -eq 0 ]] || exit 1
echo "PASS: $image: $((size >> 20)) MiB, SPL at 34, ITB at 2082," \
  "FAT at 16384 with /Image and extlinux.conf"
