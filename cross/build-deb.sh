#!/usr/bin/env bash
# Builds the release binary and its Debian package for one architecture:
#
#   cross/build-deb.sh arm64           # motesskylt-kiosk for Raspberry Pi OS 64-bit: linuxkms screen, GPIO, PN532, PC/SC
#   cross/build-deb.sh armhf           # the same for Raspberry Pi OS 32-bit (armv7)
#   cross/build-deb.sh amd64           # motesskylt-kiosk for a PC: linuxkms or X11/Wayland screen and PC/SC (no Pi GPIO)
#   cross/build-deb.sh amd64 central   # motesskylt-central: the central server alone, no screen or readers
#
# Prints the path of the .deb last. Exit 3: the target cannot be installed
# here (see cross/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

arch="${1:-arm64}"
package="${2:-kiosk}"
case "$arch" in
  arm64) triple=aarch64-unknown-linux-gnu; features=kiosk,central,kms,pi,pcsc ;;
  armhf) triple=armv7-unknown-linux-gnueabihf; features=kiosk,central,kms,pi,pcsc ;;
  amd64) triple=""; features=kiosk,central,winit,kms,pcsc ;;
  *) echo "cross/build-deb.sh: unknown architecture \"$arch\"; use arm64, armhf or amd64" >&2; exit 2 ;;
esac
case "$package" in
  kiosk) native_libs=(libudev-dev libinput-dev libxkbcommon-dev libpcsclite-dev) ;;
  central) features=central; native_libs=() ;;
  *) echo "cross/build-deb.sh: unknown package \"$package\"; use kiosk or central" >&2; exit 2 ;;
esac

if [ -n "$triple" ]; then
  cross/setup.sh "$arch"
  target=(--target "$triple")
else
  # The host build needs the same -dev libraries natively, and cargo-deb.
  # Named with the host's architecture: the Pi's (arm64) may be installed too.
  native="$(dpkg --print-architecture)"
  missing=()
  for library in "${native_libs[@]}" dpkg-dev; do
    dpkg -s "$library:$native" >/dev/null 2>&1 || dpkg -s "$library" 2>/dev/null | grep -q "^Architecture: all" \
      || missing+=("$library:$native")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "cross/build-deb.sh: installing ${missing[*]}"
    apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  cargo deb --version >/dev/null 2>&1 || cargo install --locked cargo-deb@3.8.0
  target=()
fi

# The Pi's kiosk draws on the screen itself (linuxkms, no winit); a PC's
# may also open a window (winit); the central server draws nothing.
cargo build --release --locked "${target[@]}" -p motesskylt --no-default-features --features "$features"
release="target/${triple:+$triple/}release"
# The licence texts of exactly the crates in this build.
cross/licenses.py "target/licenses/THIRD-PARTY-$package.md" ${triple:+--target "$triple"} --no-default-features --features "$features" >&2
if [ "$package" = central ]; then
  # Its own name, so that a kiosk built afterwards does not overwrite it.
  cp "$release/motesskylt" "$release/motesskylt-central"
  variant=(--variant central)
else
  variant=()
fi
# Built above with the features of this architecture; cargo-deb only packs
# and prints where the package is (target/[TRIPLE/]debian/motesskylt-PACKAGE_VERSION_ARCH.deb).
cargo deb -p motesskylt --no-build "${target[@]}" "${variant[@]}"
