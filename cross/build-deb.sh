#!/usr/bin/env bash
# Builds the release binary and its Debian package for one architecture:
#
#   cross/build-deb.sh arm64   # Raspberry Pi OS 64-bit: linuxkms screen, GPIO, PN532, PC/SC
#   cross/build-deb.sh armhf   # Raspberry Pi OS 32-bit: the same for armv7
#   cross/build-deb.sh amd64   # a PC or server: linuxkms screen and PC/SC (no Pi GPIO)
#
# Prints the path of the .deb last. Exit 3: the target cannot be installed
# here (see cross/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

arch="${1:-arm64}"
case "$arch" in
  arm64) triple=aarch64-unknown-linux-gnu; features=kms,pi,pcsc ;;
  armhf) triple=armv7-unknown-linux-gnueabihf; features=kms,pi,pcsc ;;
  amd64) triple=""; features=kms,pcsc ;;
  *) echo "cross/build-deb.sh: unknown architecture \"$arch\"; use arm64, armhf or amd64" >&2; exit 2 ;;
esac

if [ -n "$triple" ]; then
  cross/setup.sh "$arch"
  target=(--target "$triple")
else
  # The host build needs the same -dev libraries natively, and cargo-deb.
  # Named with the host's architecture: the Pi's (arm64) may be installed too.
  native="$(dpkg --print-architecture)"
  missing=()
  for package in libudev-dev libinput-dev libxkbcommon-dev libpcsclite-dev dpkg-dev; do
    dpkg -s "$package:$native" >/dev/null 2>&1 || dpkg -s "$package" 2>/dev/null | grep -q "^Architecture: all" \
      || missing+=("$package:$native")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "cross/build-deb.sh: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  cargo deb --version >/dev/null 2>&1 || cargo install --locked cargo-deb@3.8.0
  target=()
fi

cargo build --release --locked "${target[@]}" --features "$features"
# Built above with the features of this architecture; cargo-deb only packs
# and prints where the package is (target/[TRIPLE/]debian/motesskylt_VERSION_ARCH.deb).
cargo deb --no-build "${target[@]}"
