#!/usr/bin/env bash
# Boots a board's sd.img through the board's own boot chain in QEMU (ZSBL -> U-Boot SPL ->
# OpenSBI + U-Boot -> extlinux.conf -> booti -> our kernel -> the first environment), unattended,
# and judges the console.
#
#   sd_boot.sh --sd sd.img --spl u-boot-spl.bin --work DIR [--timeout S] [--until TEXT]
#              [--expect TEXT]... [--reject TEXT]... -- <qemu command...>
#
# Passes when every --expect text appears in order, no --reject text appears, QEMU ended by
# itself (the kernel's reset, -no-reboot) or, with --until, was stopped once TEXT appeared (an
# image that waits for a person, the shell's prompt), and the kernel's view matches U-Boot's: the kernel's
# device tree is the one U-Boot said it booted with (a1), and its hart is a U54 (1-4, a0) whose
# supervisor PLIC context (2 * hart on the FU540) the kernel found in that tree.
#
# The card is attached with snapshot=on: the image stays as built. U-Boot proper on QEMU 7.2
# fails every other forced SD re-initialisation (the first after the SPL fails), so the stock
# boot order (mmc0 first) skips the card; the board's SPI flash, which QEMU also models, then
# holds a QEMU-only helper at 0x1fff000 (U-Boot's sf0 boot target) that re-initialises the card
# and runs the same distro scan, which finds extlinux.conf as it would on a board. The card
# itself is what a person flashes (../shared/notes/sd-boot-flow.md, section 4.4).
set -uo pipefail

sd="" spl="" work="" timeout_seconds=60 until=""
expects=() rejects=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sd) sd=$2; shift 2 ;;
    --spl) spl=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --timeout) timeout_seconds=$2; shift 2 ;;
    --until) until=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --reject) rejects+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "sd_boot: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $sd && -n $spl && -n $work && $# -gt 0 ]] \
  || { echo "sd_boot: need --sd, --spl, --work and a QEMU command" >&2; exit 2; }
# Missing firmware is a failure, not a skip: CI fetches it (ci/setup.sh), so its absence is a
# broken set-up that must show.
if [[ ! -s $spl ]]; then
  echo "FAIL: no U-Boot SPL at $spl: run ci/fetch_uboot.sh (ci/setup.sh does)"
  exit 1
fi
[[ -s $sd ]] || { echo "FAIL: no $sd (target sd-image, which needs the U-Boot firmware)"; exit 1; }
if ! command -v mkimage >/dev/null; then
  echo "FAIL: mkimage missing (package u-boot-tools, ci/setup.sh)"
  exit 1
fi

mkdir -p "$work"
log=$work/console.log
cat >"$work/sf0.cmd" <<'EOF'
echo "== QEMU-only sf0 helper: re-init the SD card (QEMU quirk), then the distro scan of mmc 0"
if mmc dev 0 || mmc dev 0; then setenv devtype mmc; setenv devnum 0; run scan_dev_for_boot_part; fi
EOF
mkimage -A riscv -O linux -T script -C none -d "$work/sf0.cmd" "$work/sf0.scr" >/dev/null \
  || { echo "FAIL: mkimage could not make the sf0 script"; exit 1; }
# An erased 32 MiB flash (is25wp256) with the script where U-Boot's sf0 target reads it.
head -c 32M /dev/zero | tr '\0' '\377' >"$work/spi.img"
dd if="$work/sf0.scr" of="$work/spi.img" bs=1 seek=$((0x1fff000)) conv=notrunc status=none

start=$(date +%s%N)
rm -f "$log"
timeout -k 5 "$timeout_seconds" "$@" -serial "file:$log" -bios "$spl" \
  -drive "file=$sd,if=sd,format=raw,snapshot=on" \
  -drive "file=$work/spi.img,if=mtd,format=raw" </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
stopped=0
while [[ -n $until ]] && kill -0 "$qemu_pid" 2>/dev/null; do
  if [[ -f $log ]] && grep -qF -- "$until" "$log"; then
    sleep 1  # what follows it, for the checks below
    kill -TERM "$qemu_pid"
    stopped=1
    break
  fi
  sleep 0.5
done
wait "$qemu_pid"
qemu_status=$?
[[ $stopped -eq 1 ]] && qemu_status=0
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
tr -d '\r' <"$log" >"$log.clean" && mv "$log.clean" "$log"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
if [[ $qemu_status -eq 124 || $qemu_status -eq 137 ]]; then
  fail "QEMU did not finish within ${timeout_seconds}s"
elif [[ $qemu_status -ne 0 ]]; then
  fail "QEMU exit status $qemu_status: $(head -c 500 "$work/qemu.log")"
fi
remaining=$(cat "$log")
for text in "${expects[@]}"; do
  if [[ $remaining == *"$text"* ]]; then
    remaining=${remaining#*"$text"}
  else
    fail "missing (in order): $text"
  fi
done
for text in "${rejects[@]}"; do
  if grep -qF -- "$text" "$log"; then fail "unexpected: $text"; fi
done

# a1: the address U-Boot booted with is the one the kernel parsed.
uboot_tree=$(sed -n 's/.*Booting using the fdt blob at 0x\([0-9a-f]*\).*/\1/p' "$log" | tail -1)
kernel_tree=$(sed -n 's/^exo: device tree at \([0-9a-f]*\),.*/\1/p' "$log" | head -1)
if [[ -z $uboot_tree || -z $kernel_tree || $((16#$uboot_tree)) -ne $((16#$kernel_tree)) ]]; then
  fail "U-Boot's device tree at '${uboot_tree}', the kernel's at '${kernel_tree}'"
fi
# a0: a U54 (hart 0 is the E51, which has no S-mode), and the PLIC context the kernel took
# from the tree for it is that hart's supervisor context.
hart=$(sed -n 's/^exo: hart \([0-9]*\),.*/\1/p' "$log" | head -1)
if [[ ! $hart =~ ^[1-4]$ ]]; then
  fail "the kernel runs on hart '$hart', expected one of the U54s 1-4"
elif ! grep -q "^exo: PLIC context $((2 * hart))," "$log"; then
  fail "hart $hart, but not its PLIC context $((2 * hart)): $(grep -m1 'PLIC context' "$log")"
fi

if [[ $failures -ne 0 ]]; then
  echo "---- console ($log) ----"
  head -150 "$log"
  exit 1
fi
firmware=$(grep -m1 '^exo: firmware' "$log")
printf 'PASS: SPL -> OpenSBI -> U-Boot -> kernel on hart %s -> environment in %d.%03d s (%s)\n' \
  "$hart" $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "${firmware#exo: }"
