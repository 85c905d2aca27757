#!/usr/bin/env bash
# Prepare a static arm64 busybox for the arm64 build test (crates/cli/tests/arm64_build.rs):
# Debian's busybox-static:arm64, downloaded with apt (no container registry needed) and
# extracted once into a cache folder. Prints the path of the busybox binary.
# Needs root the first time (dpkg --add-architecture arm64, apt-get update).
# Cache: $BERTH_TEST_CACHE (default ~/.cache/berth-tests)/busybox-arm64/busybox.
set -euo pipefail
cache="${BERTH_TEST_CACHE:-${HOME:-/root}/.cache/berth-tests}/busybox-arm64"
bin="$cache/busybox"
# An aarch64 ELF (e_machine 0xb7 = 183 at offset 18) is what we expect in the cache.
is_arm64() { [ -s "$1" ] && [ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')" = "183" ]; }
if is_arm64 "$bin"; then
  echo "$bin"
  exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64 >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cd "$tmp"
if ! apt-get download busybox-static:arm64 >&2 2>"$tmp/err"; then
  # The arm64 package lists are not there yet: fetch them, then retry.
  apt-get update -qq >&2
  apt-get download busybox-static:arm64 >&2
fi
dpkg-deb -x busybox-static_*_arm64.deb "$tmp/x"
mkdir -p "$cache"
install -m 0755 "$tmp/x/bin/busybox" "$bin.tmp"
is_arm64 "$bin.tmp" || { echo "arm64-busybox: the extracted busybox is not an aarch64 ELF" >&2; exit 1; }
mv "$bin.tmp" "$bin"
echo "$bin"
