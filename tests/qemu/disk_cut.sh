#!/usr/bin/env bash
# The power-cut sweep in QEMU: the kernel, the virtio disk and the library OS's FAT as they run,
# stopped after every completed write of one file-creating sequence.
#   1. mkfs.fat makes a FAT16 image; mcopy/mmd put /keep.txt and /olddir/old file.txt on it;
#   2. for K = 1, 2, ...: a fresh copy boots with exo.cut_after_writes=K, and the kernel stops
#      the machine at the disk interrupt that reports the K-th completed write
#      (environments/disk/disk_cut.cpp runs the sequence); the sweep ends with the first K the
#      sequence finishes before (that run must be clean and complete);
#   3. every cut image: fsck.fat -n must call it clean or report only what docs/filesystem.md
#      accepts, /keep.txt must be untouched, and every file the guest had last printed a
#      version of must read back (mtype) as that version or the next one (disk_cut_check.py).
#
#   disk_cut.sh --kernel K.elf --work DIR -- <qemu command...>
set -uo pipefail

kernel="" work=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "disk_cut: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $kernel && -n $work && $# -gt 0 ]] || { echo "disk_cut: need --kernel, --work and a QEMU command" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
export MTOOLS_SKIP_CHECK=1
base=$work/base.img

pattern() {  # size seed file: disk_files.h's pattern
  python3 -c "import sys; n, s = int(sys.argv[1]), int(sys.argv[2]); sys.stdout.buffer.write(bytes(((i * 131 + s * 7 + (i >> 8)) & 0xff) for i in range(n)))" "$1" "$2" >"$3"
}
mkfs.fat -F 16 -s 4 -n EXOCUT -C "$base" 16384 >/dev/null || exit 1
pattern 3000 21 "$work/keep.txt" && pattern 5000 22 "$work/old.txt" || exit 1
mcopy -i "$base" "$work/keep.txt" ::/keep.txt && mmd -i "$base" ::/olddir &&
  mcopy -i "$base" "$work/old.txt" "::/olddir/old file.txt" || exit 1

failures=0 cuts=0 clean=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
image=$work/cut.img
for ((k = 1; k <= 400; ++k)); do
  cp --sparse=always "$base" "$image"
  log=$work/console.log
  timeout -k 5 60 "$@" -append "exo.cut_after_writes=$k" \
      -drive "file=$image,if=none,format=raw,id=disk0" -device virtio-blk-device,drive=disk0 \
      -kernel "$kernel" </dev/null 2>&1 | tr -d '\r' >"$log"
  if grep -q "CHECK FAILED" "$log"; then fail "K=$k: $(grep -m1 'CHECK FAILED' "$log")"; break; fi
  if ! grep -qx "exo: exit status 0" "$log"; then
    fail "K=$k: the run did not end with exit status 0: $(tail -3 "$log" | tr '\n' '|')"
    break
  fi
  if ! grep -q "^exo: power cut after " "$log"; then
    # The sequence finished before the K-th write: the uncut run, which must be complete.
    grep -q "^disk_cut: finished, .* 0 failed checks" "$log" || fail "K=$k: the uncut run did not finish"
    python3 "$here/disk_cut_check.py" "$image" "$log" "$work/keep.txt" || fail "K=$k: the finished image"
    echo "disk_cut: $((k - 1)) writes in the sequence; $cuts cut images, $clean clean by fsck.fat -n, the rest with accepted findings only"
    break
  fi
  cuts=$((cuts + 1))
  if python3 "$here/disk_cut_check.py" "$image" "$log" "$work/keep.txt" >"$work/check.log" 2>&1; then
    grep -q "^clean" "$work/check.log" && clean=$((clean + 1))
  else
    fail "K=$k: $(cat "$work/check.log")"
    cp "$image" "$work/failed-$k.img"; cp "$log" "$work/failed-$k.log"
  fi
done
[[ $k -le 400 ]] || fail "the sequence never finished"
[[ $cuts -ge 10 ]] || fail "only $cuts cuts: the sweep did not run"
[[ $failures -eq 0 ]] || exit 1
echo "PASS: every cut image acceptable to fsck.fat -n, /keep.txt untouched, every promised version there"
