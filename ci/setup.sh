#!/usr/bin/env bash
# Installs everything the build and the tests need on Debian 12, and nothing twice.
# Safe to run again: it only calls apt-get when a package is missing, and fetches the HiFive
# boards' U-Boot (ci/fetch_uboot.sh) and lwIP's source (ci/fetch_lwip.sh, which the library OS's
# network piece builds) only when they are not there yet.
set -euo pipefail
ci_dir=$(cd "$(dirname "$0")" && pwd)

packages=(
  cmake ninja-build pkg-config make python3
  g++ clang libclang-rt-14-dev llvm
  g++-riscv64-linux-gnu binutils-riscv64-linux-gnu
  qemu-system-misc opensbi
  libcpputest-dev dosfstools mtools
  gdb-multiarch
  gdisk u-boot-tools debian-archive-keyring  # the HiFive SD-card images and their boot test
  xz-utils curl  # lwIP's source tarball; the network tests' client
)

# U-Boot for the HiFive SD-card images: Debian 12 has no package of it, so fetch_uboot.sh takes
# trixie's with an apt configuration of its own. A failure does not stop the set-up: the build
# and the other tests do not need it, and the SD-card tests then fail saying what is missing.
fetch_firmware() {
  local target=${EXO_UBOOT_DIR:-/usr/local/share/exo/u-boot}
  local runner=()
  if [[ $(id -u) -ne 0 && ! -w $(dirname "$target") && ! -w $target ]] \
    && command -v sudo >/dev/null 2>&1; then
    runner=(sudo -E)
  fi
  if ! "${runner[@]}" "$ci_dir/fetch_uboot.sh" "$target"; then
    echo "setup: WARNING: no U-Boot for the HiFive SD-card images; the sd tests will fail" >&2
  fi
}

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  fetch_firmware
  exec "$ci_dir/fetch_lwip.sh"
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$0" "$@"
  fi
  echo "setup: these packages are missing and installing them needs root:" >&2
  echo "       ${missing[*]}" >&2
  echo "       run 'sudo ci/setup.sh' (or as root) once, then try again." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
fetch_firmware
echo "setup: done"
exec "$ci_dir/fetch_lwip.sh"
