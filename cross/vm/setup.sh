#!/usr/bin/env bash
# What the virtual machines need on this (Debian 12, x86-64) machine, only
# what is missing: QEMU's system emulator for the architecture,
# debootstrap, e2fsprogs, ImageMagick (to compare screenshots), and for
# arm64 qemu-user-static registered with binfmt_misc (debootstrap's second
# stage runs the guest's package scripts with it).
#
#   cross/vm/setup.sh [amd64|arm64]
set -euo pipefail
arch="${1:-amd64}"
missing=()
case "$arch" in
  amd64) command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86) ;;
  arm64) command -v qemu-system-aarch64 >/dev/null || missing+=(qemu-system-arm) ;;
  *) echo "cross/vm/setup.sh: unknown architecture \"$arch\"; use amd64 or arm64" >&2; exit 2 ;;
esac
command -v qemu-img >/dev/null || missing+=(qemu-utils)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
command -v compare >/dev/null || missing+=(imagemagick)
[ "$arch" != arm64 ] || [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || missing+=(qemu-user-static)
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross/vm/setup.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$arch" = arm64 ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  # F: the interpreter is opened now, so it also runs inside a chroot.
  cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
fi
