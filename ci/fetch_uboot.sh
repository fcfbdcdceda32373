#!/usr/bin/env bash
# Fetches the HiFive boards' boot firmware (U-Boot SPL, and U-Boot proper with OpenSBI inside
# u-boot.itb) for the SD-card images: Debian's u-boot-sifive package, which exists only for
# riscv64 and so only from trixie on (bookworm has no riscv64 architecture). The firmware runs on
# the board, not on the host, so a riscv64 .deb is what we want even on x86_64.
#
#   ci/fetch_uboot.sh [--force] [directory]
#     directory  default: $EXO_UBOOT_DIR, or else /usr/local/share/exo/u-boot
#
# The directory ends up with sifive_unleashed/ and sifive_unmatched/ (u-boot-spl.bin, u-boot.itb)
# and VERSION (the package's version). cmake finds it through EXO_UBOOT_DIR (same default).
# Without --force, nothing is fetched when VERSION and all four files are already there.
#
# apt runs with a configuration of its own in a scratch directory (its own Dir, sources list,
# status file and APT::Architecture=riscv64), so the system's apt sources, lists and package
# database are never touched. apt checks the package against the archive's signed Release
# file through the keyring bookworm already has (debian-archive-keyring holds trixie's keys).
# EXO_DEBIAN_MIRROR overrides the archive (default: the one the system's sources use).
set -euo pipefail

force=0
if [[ ${1:-} == --force ]]; then
  force=1
  shift
fi
target=${1:-${EXO_UBOOT_DIR:-/usr/local/share/exo/u-boot}}
boards=(sifive_unleashed sifive_unmatched)
files=(u-boot-spl.bin u-boot.itb)

complete() {
  [[ -f $target/VERSION ]] || return 1
  for board in "${boards[@]}"; do
    for file in "${files[@]}"; do
      [[ -s $target/$board/$file ]] || return 1
    done
  done
}

if [[ $force -eq 0 ]] && complete; then
  echo "fetch_uboot: u-boot-sifive $(cat "$target/VERSION") already in $target"
  exit 0
fi

# The archive the system already reaches: the first deb URI that is Debian's main archive.
mirror=${EXO_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ {for (i = 2; i <= NF; ++i) if ($i ~ /\/debian\/?$/) {print $i; exit}}')
fi
if [[ -z $mirror ]]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" {for (i = 2; i <= NF; ++i) if ($i ~ /\/debian\/?$/) {print $i; exit}}')
fi
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [[ ! -f $keyring ]]; then
  echo "fetch_uboot: $keyring missing (package debian-archive-keyring)" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/apt/etc/apt/apt.conf.d" "$scratch/apt/etc/apt/preferences.d" \
  "$scratch/apt/var/lib/apt/lists/partial" "$scratch/apt/var/cache/apt/archives/partial"
touch "$scratch/apt/status"
echo "deb [arch=riscv64 signed-by=$keyring] $mirror trixie main" \
  >"$scratch/apt/etc/apt/sources.list"
apt_options=(-o "Dir=$scratch/apt" -o "Dir::State::status=$scratch/apt/status"
  -o APT::Architecture=riscv64 -o APT::Architectures::=riscv64
  # The scratch directory is ours (mode 700): apt's download sandbox user (_apt) could not write
  # there, so the downloads run as whoever runs this script.
  -o "APT::Sandbox::User=$(id -un)")

echo "fetch_uboot: u-boot-sifive from $mirror trixie (riscv64), apt configuration in $scratch"
apt-get "${apt_options[@]}" -q update >"$scratch/update.log" 2>&1 || {
  cat "$scratch/update.log" >&2
  echo "fetch_uboot: apt-get update of trixie failed" >&2
  exit 1
}
(cd "$scratch" && apt-get "${apt_options[@]}" -q download u-boot-sifive) \
  >"$scratch/download.log" 2>&1 || {
  cat "$scratch/download.log" >&2
  echo "fetch_uboot: downloading u-boot-sifive failed" >&2
  exit 1
}
deb=$(ls "$scratch"/u-boot-sifive_*_riscv64.deb)
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -x "$deb" "$scratch/unpacked"

# Into a fresh directory beside the target, then renamed: a half-copied target never looks
# complete to the next run.
mkdir -p "$(dirname "$target")"
staging=$(mktemp -d "$target.new.XXXXXX")
for board in "${boards[@]}"; do
  mkdir -p "$staging/$board"
  for file in "${files[@]}"; do
    cp "$scratch/unpacked/usr/lib/u-boot/$board/$file" "$staging/$board/$file"
  done
done
cp "$scratch/unpacked/usr/share/doc/u-boot-sifive/copyright" "$staging/copyright"
echo "$version" >"$staging/VERSION"
chmod -R a+rX "$staging"
rm -rf "$target"
mv "$staging" "$target"
echo "fetch_uboot: u-boot-sifive $version in $target"
