#!/usr/bin/env bash
# Checks a board image's ELF where no emulator can boot it (the FU740): entry at the load
# address, _start first, per-permission segments with none both writable and executable, and the
# kernel sections at their higher-half addresses.
#   check_image.sh <readelf> <nm> <kernel.elf> <load address, hex>
set -uo pipefail
readelf=$1 nm=$2 image=$3 load=$4
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

entry=$("$readelf" -h "$image" | awk '/Entry point address/ {print $4}')
[[ $((entry)) -eq $((load)) ]] || fail "entry $entry, expected the load address $load"
start=$("$nm" "$image" | awk '$3 == "_start" {print $1}')
[[ $((0x$start & 0x3fffffff)) -eq $((load & 0x3fffffff)) ]] || fail "_start at $start is not the first byte of the image"

# Each LOAD line: type offset virtual physical filesz memsz flags... align.
segments=$("$readelf" -lW "$image" | awk '$1 == "LOAD"')
[[ -n $segments ]] || fail "no loadable segments"
first_physical=$(awk 'NR == 1 {print $4}' <<<"$segments")
[[ $((first_physical)) -eq $((load)) ]] || fail "first segment loads at $first_physical, expected $load"
while read -r virtual flags; do
  [[ $flags == *W*E* ]] && fail "segment at $virtual is writable and executable"
  [[ $virtual == 0xffffffff8* ]] || fail "segment at $virtual is not in the kernel's upper half"
done < <(awk '{flags = ""; for (i = 7; i < NF; ++i) flags = flags $i; print $3, flags}' <<<"$segments")

sections=$("$readelf" -SW "$image" | sed 's/^ *\[ *[0-9]*\] *//')
for section in .text .rodata .data .bss .stacks; do
  grep -q "^$section " <<<"$sections" || fail "no $section section"
done
text_flags=$(awk '$1 == ".text" {print $7}' <<<"$sections")
[[ $text_flags == *X* && $text_flags != *W* ]] || fail ".text flags '$text_flags', expected executable and not writable"
text_address=$(awk '$1 == ".text" {print $3}' <<<"$sections")
[[ $text_address == ffffffff8* ]] || fail ".text at $text_address, expected the upper half"

[[ $failures -eq 0 ]] || exit 1
echo "PASS: $image: entry $entry, $("$readelf" -lW "$image" | grep -c LOAD) segments, W^X"
