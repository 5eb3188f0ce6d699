#!/usr/bin/env bash
# Installs what a cross build for the Raspberry Pi needs on a Debian 12
# x86-64 machine, without Docker: the Rust target, Debian's cross gcc, the
# target's -dev libraries (multiarch), qemu-user to run the result, and
# cargo-deb to package it. Safe to run again; installs only what is missing.
#
#   cross/setup.sh            # 64-bit Pi OS (arm64, aarch64-unknown-linux-gnu)
#   cross/setup.sh armhf      # 32-bit Pi OS (armhf, armv7-unknown-linux-gnueabihf)
#
# Exit 3 when the Rust target cannot be installed (no rustup, no network):
# callers such as .ci/run skip the Pi checks with a notice.
set -euo pipefail

arch="${1:-arm64}"
case "$arch" in
  arm64) triple=aarch64-unknown-linux-gnu; gnu=aarch64-linux-gnu ;;
  armhf) triple=armv7-unknown-linux-gnueabihf; gnu=arm-linux-gnueabihf ;;
  *) echo "cross/setup.sh: unknown architecture \"$arch\"; use arm64 or armhf" >&2; exit 2 ;;
esac

if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
  echo "cross/setup.sh: rustup target add $triple"
  if ! rustup target add "$triple"; then
    echo "cross/setup.sh: the Rust target $triple cannot be installed here" >&2
    exit 3
  fi
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "cross/setup.sh: dpkg --add-architecture $arch"
  as_root dpkg --add-architecture "$arch"
  as_root apt-get update -qq
fi

# libinput-dev for the target pulls libglib2.0-dev-bin, which has to be the
# host's: name it, or apt tries the target's and refuses.
packages=(
  "gcc-$gnu" "libc6-dev-$arch-cross" qemu-user-static dpkg-dev libglib2.0-dev-bin
  "libudev-dev:$arch" "libinput-dev:$arch" "libxkbcommon-dev:$arch"
  "libfontconfig1-dev:$arch" "libfreetype-dev:$arch" "libpcsclite-dev:$arch"
  # systemd-analyze checks the package's units
  systemd
)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross/setup.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! cargo deb --version >/dev/null 2>&1; then
  echo "cross/setup.sh: cargo install cargo-deb"
  cargo install --locked cargo-deb@3.8.0
fi
