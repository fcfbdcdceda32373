#!/usr/bin/env bash
# The disk scenario, with the host's own FAT tools on the other side of the disk:
#   1. mkfs.fat makes a FAT16 image (2048-byte clusters) and mcopy/mmd fill it with the files
#      environments/disk/disk_files.h lists (their bytes follow from a seed, generated here);
#   2. the guest (environments/disk/disk_fat.cpp) checks them, writes, renames, deletes, syncs,
#      then runs a child held to extents of its own (disk_tenant.cpp), revokes one while the
#      child reads, and lets the child leave with a read in flight (the audit must stay clean);
#      the driver's cache is write-back and the child's write-through, each shown by a raw
#      read around the cache;
#   3. fsck.fat -n must find the image clean, and mtype must give back exactly the bytes the
#      guest wrote (sha256 on both sides), the host's files untouched, the deleted one gone.
# Modes: legacy and modern (virtio-mmio version 1 and 2), none (no disk attached: the guest says
# so), corrupt (a boot sector with 0 bytes per sector: the guest's mount refuses it, status 3).
#
#   disk_fat.sh --mode MODE --kernel K.elf --work DIR -- <qemu command...>
set -uo pipefail

mode="" kernel="" work=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "disk_fat: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $mode && -n $kernel && -n $work && $# -gt 0 ]] || { echo "disk_fat: need --mode, --kernel, --work and a QEMU command" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/files"
image=$work/disk.img
export MTOOLS_SKIP_CHECK=1

# The file table, read from the header the guest is compiled with: one list, two readers.
python3 - "$here/environments/disk/disk_files.h" "$work/files" <<'PY' || exit 1
import re, sys, os
header, out = sys.argv[1], sys.argv[2]
text = open(header).read()
def table(name):
    body = re.search(name + r'\[\] = \{(.*?)\n\};', text, re.S).group(1)
    return [(p, int(eval(s.replace('*', '*'))), int(seed))
            for p, s, seed in re.findall(r'\{"([^"]+)", ([^,]+), (\d+)\}', body)]
def data(seed, size):
    return bytes(((i * 131 + seed * 7 + (i >> 8)) & 0xff) for i in range(size))
for kind in ('kFromHost', 'kFromGuest'):
    with open(os.path.join(out, kind + '.list'), 'w') as listing:
        for index, (path, size, seed) in enumerate(table(kind)):
            name = f'{kind}-{index}'
            open(os.path.join(out, name), 'wb').write(data(seed, size))
            listing.write(f'{name}\t{path}\n')
deleted = re.search(r'kDeleted = "([^"]+)"', text).group(1)
open(os.path.join(out, 'deleted'), 'w').write(deleted + '\n')
open(os.path.join(out, 'deleted.bin'), 'wb').write(b'gone soon\n')
PY

mkfs.fat -F 16 -s 4 -n EXODISK -C "$image" 32768 >/dev/null || exit 1
while IFS=$'\t' read -r name path; do
  dir=$(dirname "$path")
  if [[ $dir != / ]]; then
    partial=""
    IFS=/ read -ra parts <<<"${dir#/}"
    for part in "${parts[@]}"; do
      partial="$partial/$part"
      mmd -D s -i "$image" "::$partial" 2>/dev/null || true
    done
  fi
  mcopy -i "$image" "$work/files/$name" "::$path" || exit 1
done <"$work/files/kFromHost.list"
mcopy -i "$image" "$work/files/deleted.bin" "::$(cat "$work/files/deleted")" || exit 1

drive=(-drive "file=$image,if=none,format=raw,id=disk0" -device virtio-blk-device,drive=disk0)
case $mode in
  legacy) extra=("${drive[@]}") expect=("disk_fat: mounted FAT16" "disk_fat: 7 host files read and checked" "disk_fat: write-back cache: the block on the disk only after sync (yes)" "disk_fat: the tenant's write-through cache: the block on the disk at once (yes)" "disk_fat: tenant held to its extents, revoked visibly" "0 failed checks") status=0 ;;
  modern) extra=(-global virtio-mmio.force-legacy=false "${drive[@]}") expect=("virtio-blk (modern)" "disk_fat: 7 host files read and checked" "disk_fat: write-back cache: the block on the disk only after sync (yes)" "disk_fat: the tenant's write-through cache: the block on the disk at once (yes)" "disk_fat: tenant held to its extents, revoked visibly" "0 failed checks") status=0 ;;
  none) extra=() expect=("exo: no disk" "disk_fat: no disk attached") status=0 ;;
  corrupt)
    printf '\0\0' | dd of="$image" bs=1 seek=11 conv=notrunc status=none
    extra=("${drive[@]}") expect=("disk_fat: mount refused: ") status=3 ;;
  *) echo "disk_fat: unknown mode $mode" >&2; exit 2 ;;
esac
expect_args=()
for text in "${expect[@]}"; do expect_args+=(--expect "$text"); done
"$here/run_scenario.sh" --kernel "$kernel" --status "$status" --timeout 120 \
    --log "$work/console.log" "${expect_args[@]}" --reject "CHECK FAILED" -- "$@" "${extra[@]}" || exit 1
[[ $mode == legacy || $mode == modern ]] || exit 0

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
fsck.fat -n "$image" >"$work/fsck.log" 2>&1 || fail "fsck.fat -n: $(tail -3 "$work/fsck.log")"
same() {  # host file, image path
  local want got
  want=$(sha256sum <"$1" | cut -d' ' -f1)
  got=$(mtype -i "$image" "::$2" 2>/dev/null | sha256sum | cut -d' ' -f1)
  [[ $want == "$got" ]] || fail "$2: sha256 $got on the image, $want expected"
}
while IFS=$'\t' read -r name path; do same "$work/files/$name" "$path"; done <"$work/files/kFromHost.list"
while IFS=$'\t' read -r name path; do same "$work/files/$name" "$path"; done <"$work/files/kFromGuest.list"
if mdir -i "$image" "::$(cat "$work/files/deleted")" >/dev/null 2>&1; then fail "the deleted file is still there"; fi
mdir -i "$image" "::/written/empty directory" >/dev/null 2>&1 || fail "the guest's directory is missing"
[[ $failures -eq 0 ]] || exit 1
echo "PASS: fsck.fat clean; $(wc -l <"$work/files/kFromGuest.list") guest files and $(wc -l <"$work/files/kFromHost.list") host files match by sha256"
