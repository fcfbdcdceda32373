#!/usr/bin/env bash
# Installs everything the build and the tests need on Debian 12, and nothing twice.
# Safe to run again: it only calls apt-get when a package is missing. Then fetches lwIP's source
# (ci/fetch_lwip.sh), which the library OS's network piece builds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

packages=(
  cmake ninja-build pkg-config make python3
  g++ clang libclang-rt-14-dev llvm
  g++-riscv64-linux-gnu binutils-riscv64-linux-gnu
  qemu-system-misc opensbi
  libcpputest-dev dosfstools mtools
  gdb-multiarch
  xz-utils curl apache2-utils
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  exec "$here/fetch_lwip.sh"
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
echo "setup: done"
exec "$here/fetch_lwip.sh"
