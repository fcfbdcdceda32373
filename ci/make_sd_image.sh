#!/usr/bin/env bash
# Builds the SD-card image a SiFive HiFive board boots from, without root (no loop mounts): the
# boards' own chain, mask ROM -> U-Boot SPL -> OpenSBI + U-Boot -> our kernel.
#
#   make_sd_image.sh --spl u-boot-spl.bin --itb u-boot.itb --kernel kernel-default.bin
#                    --title TEXT --out sd.img [--mib 64]
#
# GPT, as U-Boot's doc/board/sifive/{unleashed,unmatched}.rst and the SPL's configuration want:
#   1  sectors 34-2081     type 5B193300-...  U-Boot SPL; the mask ROM finds it by this type
#   2  sectors 2082-10273  type 2E54B353-...  u-boot.itb (OpenSBI + U-Boot); the SPL reads it
#                                             from raw sector 2082 (its configuration's
#                                             CONFIG_SYS_MMCSD_RAW_MODE_U_BOOT_SECTOR)
#   3  sector 16384-end    FAT, legacy-BIOS-bootable (attribute 2), which U-Boot's distro boot and
#                          bootflow scan look for: /Image (the raw kernel with its RISC-V Image
#                          header) and /extlinux/extlinux.conf, which starts it with booti.
# The size is a power of two because QEMU's SD card model accepts nothing else; writing it to a
# bigger card is fine (docs/flashing.md).
set -euo pipefail

spl="" itb="" kernel="" title="" out="" mib=64
while [[ $# -gt 0 ]]; do
  case "$1" in
    --spl) spl=$2; shift 2 ;;
    --itb) itb=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --title) title=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    *) echo "make_sd_image: unknown argument $1" >&2; exit 2 ;;
  esac
done
die() { echo "make_sd_image: $*" >&2; exit 1; }
[[ -n $spl && -n $itb && -n $kernel && -n $out ]] || die "need --spl, --itb, --kernel and --out"
for file in "$spl" "$itb" "$kernel"; do
  [[ -s $file ]] || die "$file: missing or empty (U-Boot comes from ci/fetch_uboot.sh)"
done
for tool in sgdisk mkfs.fat mcopy mmd; do
  command -v "$tool" >/dev/null \
    || die "$tool not found (ci/setup.sh installs gdisk, dosfstools, mtools)"
done
[[ $mib =~ ^[0-9]+$ && $mib -ge 16 && $((mib & (mib - 1))) -eq 0 ]] \
  || die "--mib $mib: the size must be a power of two of at least 16 MiB"

readonly spl_sector=34 itb_sector=2082 itb_last=10273 fat_sector=16384 sector=512
# Each blob must fit its partition, or it would run into the next one.
(($(stat -c %s "$spl") <= (itb_sector - spl_sector) * sector)) || die "$spl is larger than 1 MiB"
(($(stat -c %s "$itb") <= (itb_last + 1 - itb_sector) * sector)) || die "$itb is larger than 4 MiB"

work=$(mktemp -d "${out}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
image=$work/sd.img
truncate -s "${mib}M" "$image"
# -a 1: partition 1 must start at sector 34, inside sgdisk's default 2048-sector alignment.
sgdisk --clear -a 1 \
  --new=1:$spl_sector:$((itb_sector - 1)) --change-name=1:spl \
  --typecode=1:5B193300-FC78-40CD-8002-E86C45580B47 \
  --new=2:$itb_sector:$itb_last --change-name=2:uboot \
  --typecode=2:2E54B353-1271-4842-806F-E436D6AF6985 \
  --new=3:$fat_sector:0 --change-name=3:boot --typecode=3:0700 --attributes=3:set:2 \
  "$image" >"$work/sgdisk.log" || { cat "$work/sgdisk.log" >&2; die "sgdisk failed"; }
dd if="$spl" of="$image" bs=$sector seek=$spl_sector conv=notrunc status=none
dd if="$itb" of="$image" bs=$sector seek=$itb_sector conv=notrunc status=none

# The FAT file system in a file of the partition's size, then copied into place.
fat_last=$(sgdisk -i 3 "$image" | awk '/^Last sector:/ {print $3}')
truncate -s $(((fat_last - fat_sector + 1) * sector)) "$work/fat.img"
mkfs.fat -n EXO-BOOT "$work/fat.img" >/dev/null
cat >"$work/extlinux.conf" <<EOF
# ${title:-exo}: U-Boot's distro boot (bootflow scan on newer boards) finds this file on the
# bootable partition and starts /Image with booti, which enters the kernel with a0 = the boot
# hart and a1 = U-Boot's device tree for the board. /Image runs only where it is linked: booti
# copies it to the RAM base plus the text_offset in its header.
default exo
label exo
    kernel /Image
EOF
mcopy -i "$work/fat.img" "$kernel" ::/Image
mmd -i "$work/fat.img" ::/extlinux
mcopy -i "$work/fat.img" "$work/extlinux.conf" ::/extlinux/extlinux.conf
dd if="$work/fat.img" of="$image" bs=$sector seek=$fat_sector conv=notrunc status=none

mv "$image" "$out"
echo "make_sd_image: $out ($mib MiB): SPL at sector $spl_sector, u-boot.itb at $itb_sector," \
  "FAT at $fat_sector with /Image and /extlinux/extlinux.conf"
