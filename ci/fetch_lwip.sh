#!/usr/bin/env bash
# Fetches lwIP's source from Debian's source package (apt-get source lwip) and unpacks its
# upstream tarball into build/_deps/lwip, where CMake looks for it (libos/net/lwip.cmake). The
# library OS builds lwIP as fetched: nothing of it is kept in the repository.
#
# apt runs on a private configuration (a deb-src entry of its own, its own lists and cache under
# build/_deps/apt), so the machine's apt sources and state are left as they were. Safe to run
# again: it does nothing when the source is already unpacked.
#   ci/fetch_lwip.sh [destination]      (default: build/_deps/lwip)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=2.1.3
destination=${1:-$root/build/_deps/lwip}
source_dir=$destination/lwip-$version
marker=$source_dir/src/core/tcp.c

if [[ -f $marker ]]; then
  echo "fetch_lwip: lwIP $version present in $source_dir"
  exit 0
fi

apt_dir=$root/build/_deps/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" \
         "$apt_dir/preferences.d" "$apt_dir/download"
# Debian 12's own archive, sources only; checked against the keyring every Debian system has.
cat >"$apt_dir/sources.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
EOF
apt_options=(
  -o Dir::Etc::SourceList="$apt_dir/sources.list"
  -o Dir::Etc::SourceParts="$apt_dir/parts"
  -o Dir::Etc::PreferencesParts="$apt_dir/preferences.d"
  -o Dir::State::Lists="$apt_dir/lists"
  -o Dir::Cache="$apt_dir/cache"
  -o APT::Sandbox::User=root
  -q
)
echo "fetch_lwip: apt-get update (private lists in $apt_dir)"
apt-get "${apt_options[@]}" update
(cd "$apt_dir/download" && apt-get "${apt_options[@]}" source --download-only lwip)

tarball=$(ls "$apt_dir/download"/lwip_"$version"*.orig.tar.* 2>/dev/null | head -1)
if [[ -z $tarball ]]; then
  echo "fetch_lwip: no lwip_$version orig tarball was downloaded" >&2
  exit 1
fi
# The tarball's top folder has whatever name upstream gave it: unpack into a scratch folder and
# move its one top folder to lwip-<version>.
scratch=$destination/unpack.$$
rm -rf "$scratch" && mkdir -p "$scratch"
tar -xf "$tarball" -C "$scratch"
top=$(find "$scratch" -mindepth 1 -maxdepth 1 -type d | head -1)
if [[ -z $top || ! -f $top/src/core/tcp.c ]]; then
  echo "fetch_lwip: $tarball does not hold lwIP's src/core" >&2
  rm -rf "$scratch"
  exit 1
fi
rm -rf "$source_dir"
mv "$top" "$source_dir"
rm -rf "$scratch"
echo "fetch_lwip: lwIP $version from $(basename "$tarball") in $source_dir"
