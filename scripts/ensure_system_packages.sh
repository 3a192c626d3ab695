#!/usr/bin/env bash
# Installs the system tools the build and the tests need when they are missing:
# a C compiler (the plugin and the C test hosts), binutils (symbol checks), openssl
# (test certificates), valgrind (the plugin never reads past a host's struct), debootstrap
# (the bundle test's root file system) and docker-registry (the CNCF distribution registry
# the release test pushes to and pulls from on 127.0.0.1), both as root only.
# Uses apt-get on Debian-like machines; elsewhere it names what is missing.
set -euo pipefail
declare -A package_of=([cc]=gcc [nm]=binutils [readelf]=binutils [openssl]=openssl [make]=make [valgrind]=valgrind)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
# debootstrap builds the root file system of the bundle test, which needs root anyway: it is
# installed when we are root with apt-get, and never missed otherwise (the test says why it
# skips).
if [ ! -x /usr/sbin/debootstrap ] && ! command -v debootstrap >/dev/null 2>&1 \
   && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  missing+=(debootstrap)
fi
if [ ! -x /usr/bin/docker-registry ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  missing+=(docker-registry)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  echo "installing system packages: $packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages
else
  echo "missing system packages: $packages (install them, then run make again)" >&2
  exit 1
fi
