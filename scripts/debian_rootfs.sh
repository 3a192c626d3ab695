#!/usr/bin/env bash
# Prints the path of a minimal Debian root file system with no Python, building it once:
#   scripts/debian_rootfs.sh [cache-dir]     (default ${K8SMETA_CACHE:-~/.cache/k8smeta})
# `debootstrap --variant=minbase` from Debian's mirror (about 25 s and 200 MB); later calls
# reuse the cached tree. A root file system holding any python or libpython is refused.
# Needs root (debootstrap chroots) and the debootstrap package (scripts/ensure_system_packages.sh
# installs it). Exit status 3: it cannot run here (the reason on stderr).
set -euo pipefail
cache="${1:-${K8SMETA_CACHE:-$HOME/.cache/k8smeta}}"
suite="${K8SMETA_DEBIAN_SUITE:-bookworm}"
mirror="${K8SMETA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
root="$cache/debian-$suite-minbase"

if [ "$(id -u)" -ne 0 ]; then
  echo "debootstrap and chroot need root" >&2
  exit 3
fi
if [ ! -x /usr/sbin/debootstrap ] && ! command -v debootstrap >/dev/null 2>&1; then
  echo "debootstrap is not installed (scripts/ensure_system_packages.sh installs it as root)" >&2
  exit 3
fi
export PATH="$PATH:/usr/sbin:/sbin"

mkdir -p "$cache"
exec 9>"$cache/.debian-$suite.lock"
flock 9   # one builder at a time; the others wait and reuse its tree
if [ ! -f "$root/.k8smeta-complete" ]; then
  rm -rf "$root" "$root.partial"
  if ! debootstrap --variant=minbase "$suite" "$root.partial" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -5 "$cache/debootstrap.log" >&2
    echo "debootstrap of Debian $suite from $mirror failed (log: $cache/debootstrap.log)" >&2
    exit 3
  fi
  rm -rf "$root.partial/var/cache/apt/archives"/*.deb
  mv "$root.partial" "$root"
  touch "$root/.k8smeta-complete"
fi
if find "$root/usr" \( -name 'python[0-9]*' -o -name 'libpython*' \) -print -quit | grep -q .; then
  echo "$root holds a Python: refusing it" >&2
  exit 1
fi
echo "$root"
