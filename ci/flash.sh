#!/usr/bin/env bash
# Writes an SD-card image (build/<board>/sd.img) to a card, with the checks a person wants
# before a command overwrites a whole disk. Linux only (lsblk, /sys); docs/flashing.md has the
# macOS commands.
#
#   ci/flash.sh [--yes] [--force] <image | board> <device | image file>
#     image      an sd.img, or a board name for build/<board>/sd.img
#     device     the whole card, e.g. /dev/sdb or /dev/mmcblk0 (not a partition)
#     image file a regular file standing in for a card (its size is the card's); for tests
#     --yes      do not ask (the device is still shown)
#     --force    also write to a disk that is not removable
#
# Refuses, in this order: a partition; a device (or one whose partitions or LVM/crypt volumes)
# holding the running system (/, /boot, /usr); a device, any partition of it or any volume on it
# that is mounted or used as swap; a device smaller than the image; a disk that is not removable
# (an SD card in a USB reader or an SD slot is), unless --force. Then it shows the device's
# model, size and partitions and asks for "yes" unless --yes, writes, and reads the image's
# length back and compares it. Exit status 0 when written and verified, 1 when refused or
# failed, 2 for a usage error.
#
# The facts the checks read come from the running system unless these name test fixtures (the
# tests in tests/flash/ use them with image files; none is needed to flash a card):
#   EXO_FLASH_MOUNTS          a mount table in /proc/mounts format (default /proc/self/mounts)
#   EXO_FLASH_SWAPS           a swap table in /proc/swaps format (default /proc/swaps)
#   EXO_FLASH_SYSTEM_DEVICES  the devices holding the running system, space-separated
#                             (default: those under /, /boot and /usr, found with findmnt/lsblk)
#   EXO_FLASH_REMOVABLE       1 or 0: whether the target counts as removable (default: from /sys
#                             for a device; 1 for an image file)
#   EXO_FLASH_FAULT_OFFSET    image files only: after writing, flip the byte at this offset of
#                             the target, as a card that lost a write would, so that the test
#                             sees the verification fail
set -uo pipefail

usage() {
  sed -n '6,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
refuse() {
  echo "flash: refused: $*" >&2
  exit 1
}

yes=0 force=0 positional=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --yes) yes=1; shift ;;
    --force) force=1; shift ;;
    -h | --help) usage ;;
    -*) echo "flash: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[[ ${#positional[@]} -eq 2 ]] || usage
image=${positional[0]} target=${positional[1]}

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -e $image && -f $root/build/$image/sd.img ]]; then
  image=$root/build/$image/sd.img
fi
[[ -f $image && -s $image ]] \
  || refuse "$image is not an image file (build one with the target sd-image)"
image_size=$(stat -L -c %s "$image")

[[ -e $target ]] \
  || refuse "$target does not exist (an image file target must exist: its size is the card's)"
target=$(readlink -f "$target")
[[ $target != "$(readlink -f "$image")" ]] || refuse "$target is the image itself"

# The target's facts: kind, size, whether removable, what to show, and its members (the
# device, its partitions and the volumes on them; for an image file, the file and any loop
# device backed by it, with theirs), which the system and mount checks compare against.
if [[ -b $target ]]; then
  kind="device"
  name=$(basename "$target")
  sys=/sys/class/block/$name
  if [[ -e $sys/partition ]]; then
    refuse "$target is a partition; give the whole card (/dev/$(lsblk -no PKNAME "$target"))"
  fi
  size=$(($(cat "$sys/size") * 512))
  removable=$(cat "$sys/removable" 2>/dev/null || echo 0)
  # A card in a built-in slot reports removable 0: an SD card (not eMMC) counts as removable,
  # and so does a USB disk (hotplug).
  [[ $(cat "$sys/device/type" 2>/dev/null) == SD ]] && removable=1
  [[ $(lsblk -dno HOTPLUG "$target" 2>/dev/null | tr -d ' ') == 1 ]] && removable=1
  description="$(lsblk -dno VENDOR,MODEL "$target" 2>/dev/null | xargs) ($target)"
  mapfile -t members < <(lsblk -lnpo NAME "$target" 2>/dev/null)
  members+=("$target")
else
  [[ -f $target ]] || refuse "$target is neither a block device nor a regular file"
  kind="file"
  size=$(stat -c %s "$target")
  removable=1
  description="image file $target"
  members=("$target")
  for loop in $(losetup -nO NAME -j "$target" 2>/dev/null); do
    mapfile -t -O ${#members[@]} members < <(lsblk -lnpo NAME "$loop" 2>/dev/null)
  done
fi
removable=${EXO_FLASH_REMOVABLE:-$removable}

# Paths compared after resolving links (/dev/disk/by-id/..., /dev/mapper/x -> /dev/dm-N).
canonical() {
  local path
  for path in "$@"; do
    path=${path%%\[*}  # findmnt's SOURCE of a bind or subvolume: /dev/sda2[/sub]
    [[ $path == /* ]] && readlink -f "$path" || echo "$path"
  done
}
mapfile -t members < <(canonical "${members[@]}" | sort -u)
is_member() {
  local candidate member
  for candidate in $(canonical "$@"); do
    for member in "${members[@]}"; do
      [[ $candidate == "$member" ]] && return 0
    done
  done
  return 1
}

# The devices the running system lives on, with every device under them (lsblk -s lists a
# device and what it is built on: the partition, the disk).
system_devices() {
  if [[ -n ${EXO_FLASH_SYSTEM_DEVICES+set} ]]; then
    echo "$EXO_FLASH_SYSTEM_DEVICES"
    return
  fi
  local mount_point source
  for mount_point in / /boot /usr; do
    source=$(findmnt -no SOURCE "$mount_point" 2>/dev/null | head -1)
    source=${source%%\[*}
    [[ $source == /dev/* ]] && lsblk -lnpso NAME "$source" 2>/dev/null
  done
}
# shellcheck disable=SC2046  # one path per word
if is_member $(system_devices); then
  refuse "$target holds the running system"
fi

mounts=${EXO_FLASH_MOUNTS:-/proc/self/mounts}
swaps=${EXO_FLASH_SWAPS:-/proc/swaps}
while read -r source mount_point _; do
  [[ $source == /* ]] || continue
  if is_member "$source"; then
    refuse "$source (on $target) is mounted at $mount_point; unmount it first (umount $source)"
  fi
done <"$mounts"
while read -r source _; do
  [[ $source == /* ]] || continue
  is_member "$source" && refuse "$source (on $target) is in use as swap (swapoff $source)"
done < <(tail -n +2 "$swaps" 2>/dev/null)

((size >= image_size)) \
  || refuse "$target holds $size bytes, less than the image's $image_size"
if [[ $removable != 1 && $force -ne 1 ]]; then
  refuse "$target is not a removable disk; if it really is the card, add --force"
fi

echo "flash: about to overwrite $description"
echo "flash:   size $size bytes ($((size >> 20)) MiB); the image is $image_size bytes"
if [[ $kind == device ]]; then
  lsblk -o NAME,SIZE,TYPE,FSTYPE,LABEL,MOUNTPOINT "$target" | sed 's/^/flash:   /'
else
  table=$(sgdisk -p "$target" 2>/dev/null | sed -n '/^Number/,$p')
  if [[ $(wc -l <<<"$table") -gt 1 ]]; then
    sed 's/^/flash:   /' <<<"$table"
  else
    echo "flash:   no GPT partitions"
  fi
fi
if [[ $yes -ne 1 ]]; then
  printf 'flash: everything on it will be lost. Type yes to write %s: ' "$target"
  answer=""
  read -r answer || true
  [[ $answer == yes ]] || refuse "not confirmed (answer '$answer')"
fi

# conv=fsync: dd returns after the data reached the device, not the page cache; notrunc keeps
# an image file target's size (the card's).
progress=status=none
[[ -t 2 ]] && progress=status=progress
dd if="$image" of="$target" bs=4M conv=fsync,notrunc "$progress" \
  || { echo "flash: writing $target failed" >&2; exit 1; }
if [[ $kind == file && -n ${EXO_FLASH_FAULT_OFFSET:-} ]]; then
  byte=$(od -An -tu1 -j "$EXO_FLASH_FAULT_OFFSET" -N1 "$target" | tr -d ' ')
  printf '%b' "\\$(printf %03o $(((byte ^ 0xff) & 0xff)))" \
    | dd of="$target" bs=1 seek="$EXO_FLASH_FAULT_OFFSET" conv=notrunc status=none
fi

# Read back what was written, past the page cache on a device (iflag=direct), so that the
# comparison sees the card and not our own write.
read_flags=()
[[ $kind == device ]] && read_flags=(iflag=direct)
if ! cmp -n "$image_size" "$image" \
  <(dd if="$target" bs=1M count=$(((image_size + (1 << 20) - 1) >> 20)) "${read_flags[@]}" \
    status=none); then
  echo "flash: VERIFY FAILED: $target does not read back as $image; do not boot from it" >&2
  exit 1
fi
echo "flash: wrote and verified $image_size bytes on $target"
[[ $kind == device ]] && echo "flash: you can remove the card now (nothing of it is mounted)"
exit 0
