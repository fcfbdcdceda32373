#!/usr/bin/env bash
# Tests ci/flash.sh against image files standing in for cards: each refusal (with the target
# left untouched), the confirmation, the write and its read-back verification. The facts the
# script reads from the running system (mounts, swaps, the system's devices, removability) are
# pointed at fixtures through its EXO_FLASH_* variables; a fault injected after the write must
# make the verification fail.
#   flash_test.sh <path to flash.sh>
set -uo pipefail
flash=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

failures=0 cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A 1 MiB image and a fresh 4 MiB "card" of 0xaa bytes for each case.
head -c 1M /dev/urandom >image.img
new_card() {
  local mib=${1:-4}
  head -c "${mib}M" /dev/zero | tr '\0' '\252' >card.img
  card_sum=$(sha256sum <card.img)
}
# Empty fixtures: nothing mounted, no swap, the system on a device that is not the card.
: >mounts
printf 'Filename\tType\tSize\tUsed\tPriority\n' >swaps
export EXO_FLASH_MOUNTS=$work/mounts EXO_FLASH_SWAPS=$work/swaps
export EXO_FLASH_SYSTEM_DEVICES=/dev/exo-test-system-disk

# expect_refusal <name> <text in the message> <flash.sh arguments...>
expect_refusal() {
  local name=$1 text=$2
  shift 2
  cases=$((cases + 1))
  local output status
  output=$("$flash" "$@" </dev/null 2>&1)
  status=$?
  [[ $status -eq 1 ]] || fail "$name: exit status $status, expected 1 (refused); output: $output"
  [[ $output == *"$text"* ]] || fail "$name: no '$text' in: $output"
  [[ -f card.img && $(sha256sum <card.img) == "$card_sum" ]] || fail "$name: the card was changed"
}
# expect_written <name> <stdin> <flash.sh arguments...>
expect_written() {
  local name=$1 input=$2
  shift 2
  cases=$((cases + 1))
  local output status
  output=$(printf '%s' "$input" | "$flash" "$@" 2>&1)
  status=$?
  [[ $status -eq 0 ]] || fail "$name: exit status $status, expected 0; output: $output"
  [[ $output == *"wrote and verified 1048576 bytes"* ]] || fail "$name: not verified: $output"
  cmp -s -n 1048576 image.img card.img || fail "$name: the card does not start with the image"
  [[ $(stat -c %s card.img) -eq $((4 << 20)) ]] || fail "$name: the card's size changed"
  cmp -s <(tail -c +1048577 card.img) <(head -c 3M /dev/zero | tr '\0' '\252') \
    || fail "$name: bytes past the image were changed"
}

new_card
expect_written "--yes" "" --yes image.img card.img
new_card
expect_written "answered yes" $'yes\n' image.img card.img
new_card
expect_written "through a symlink" "" --yes image.img "$(ln -s card.img link.img && echo link.img)"

new_card
expect_refusal "answered no" "not confirmed" image.img card.img
cases=$((cases + 1))
output=$(printf 'no\n' | "$flash" image.img card.img 2>&1)
[[ $? -eq 1 && $output == *"about to overwrite image file"* && $output == *"Type yes"* ]] \
  || fail "answered no: the target was not shown before the question: $output"
[[ $(sha256sum <card.img) == "$card_sum" ]] || fail "answered no: the card was changed"
expect_refusal "no answer (end of input)" "not confirmed" image.img card.img

echo "$work/card.img /mnt/card vfat rw 0 0" >mounts
expect_refusal "mounted" "is mounted at /mnt/card" --yes image.img card.img
echo "$work/link.img /mnt/card vfat rw 0 0" >mounts
expect_refusal "mounted, named through a link" "is mounted at /mnt/card" --yes image.img card.img
: >mounts
printf '%s\tfile\t4096\t0\t-2\n' "$work/card.img" >>swaps
expect_refusal "swap" "in use as swap" --yes image.img card.img
printf 'Filename\tType\tSize\tUsed\tPriority\n' >swaps

EXO_FLASH_SYSTEM_DEVICES="/dev/exo-test-system-disk $work/card.img" \
  expect_refusal "running system" "holds the running system" --yes image.img card.img

new_card 0
truncate -s 512K card.img
card_sum=$(sha256sum <card.img)
expect_refusal "smaller than the image" "less than the image's 1048576" --yes image.img card.img
new_card

EXO_FLASH_REMOVABLE=0 expect_refusal "not removable" "not a removable disk" --yes image.img card.img
EXO_FLASH_REMOVABLE=0 expect_written "not removable, --force" "" --yes --force image.img card.img

new_card
expect_refusal "no such target" "does not exist" --yes image.img missing.img
expect_refusal "no such image" "is not an image file" --yes missing.img card.img
expect_refusal "the image onto itself" "is the image itself" --yes card.img card.img
mkdir -p directory
expect_refusal "a directory" "neither a block device nor a regular file" --yes image.img directory
cases=$((cases + 1))
"$flash" image.img >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "one argument: expected the usage error (2)"

new_card
cases=$((cases + 1))
output=$(EXO_FLASH_FAULT_OFFSET=123456 "$flash" --yes image.img card.img 2>&1)
status=$?
[[ $status -eq 1 && $output == *"VERIFY FAILED"* ]] \
  || fail "a byte lost after the write: exit $status, expected the verification to fail: $output"

if [[ $failures -ne 0 ]]; then
  echo "$failures of $cases cases failed"
  exit 1
fi
echo "PASS: $cases cases: 3 writes verified, every refusal left the card untouched," \
  "a lost byte caught"
