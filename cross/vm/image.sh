#!/usr/bin/env bash
# The guest's base image for the system tests (cross/vm/README.md):
#
#   cross/vm/image.sh amd64|arm64     # prints the image's folder last
#
# A Debian bookworm root file system made by debootstrap from Debian's
# packages (Raspberry Pi OS is Debian), with Debian's kernel and two
# initramfs (a small one to boot with, initramfs-tools' for the overlay),
# systemd and udev, the kiosk package's dependencies (so that
# `apt install ./motesskylt-kiosk_….deb` works without a network, as on a
# Pi that has them), `overlayroot` for the read-only root of the setup
# guide, and QEMU's guest agent, through which the tests drive the guest.
# The project's own package is not in it: each test run installs the .deb
# it is testing.
#
# The image is cached outside the clone, in $MOTESSKYLT_VM_CACHE (default
# /var/cache/motesskylt-vm), under a key made of this script and the
# architecture: a change here builds a new one, and a cold run builds it
# from nothing (a few minutes; the arm64 one runs its packages' scripts
# under qemu-user). Needs root, debootstrap, e2fsprogs and, for arm64,
# qemu-user-static (cross/vm/setup.sh installs what is missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
arch="${1:-amd64}"
case "$arch" in
  amd64) kernel=linux-image-amd64 ;;
  arm64) kernel=linux-image-arm64 ;;
  *) echo "cross/vm/image.sh: unknown architecture \"$arch\"; use amd64 or arm64" >&2; exit 2 ;;
esac
cache="${MOTESSKYLT_VM_CACHE:-/var/cache/motesskylt-vm}"
key="$(cat "$0" "$here/guest/"* | sha256sum | cut -c1-12)"
out="$cache/$arch-$key"
if [ -f "$out/ready" ]; then
  echo "$out"
  exit 0
fi
"$here/setup.sh" "$arch"

# What the kiosk package depends on (its Depends and Recommends), what a
# test needs in the guest, and the guide's overlay (whose initramfs script
# needs busybox's grep: without it the overlay is silently not made).
packages=(
  systemd systemd-sysv udev kmod dbus "$kernel" initramfs-tools
  adduser poppler-utils libinput10 libudev1 libxkbcommon0 libpcsclite1 systemd-timesyncd
  overlayroot busybox-static qemu-guest-agent sqlite3 ca-certificates
)
work="$(mktemp -d "${TMPDIR:-/tmp}/motesskylt-vm-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
echo "cross/vm/image.sh: debootstrap bookworm $arch (cached as $out) …" >&2
debootstrap --foreign --variant=minbase --arch "$arch" \
  --include="$(IFS=,; echo "${packages[*]}")" bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# Before the second stage installs the kernel: initramfs-tools' initramfs
# (booted for the read-only root only, see initrd-small.img below) with the
# virtio disk, ext4 and the overlay, compressed with gzip (zstd's threads
# spin under qemu-user).
mkdir -p "$root/etc/initramfs-tools/conf.d"
printf 'COMPRESS=gzip\nMODULES=list\n' >"$root/etc/initramfs-tools/conf.d/motesskylt-vm"
printf 'virtio_pci\nvirtio_mmio\nvirtio_blk\next4\noverlay\n' >"$root/etc/initramfs-tools/modules"
if [ "$arch" = arm64 ]; then
  cp /usr/bin/qemu-aarch64-static "$root/usr/bin/"
fi
chroot "$root" /debootstrap/debootstrap --second-stage >"$work/second-stage.log" 2>&1 \
  || { tail -20 "$work/second-stage.log" >&2; exit 1; }

# The initramfs the guest boots with (initrd-small.img). A Pi's kernel
# mounts its root itself; Debian's has the virtio disk and ext4 as
# modules, so this one loads them and starts systemd on the root: busybox,
# those modules and the /init of guest/, in a tenth of initramfs-tools'
# time. initramfs-tools' own (initrd.img) is for the read-only root, whose
# overlay is its script's work.
version="$(ls "$root/lib/modules")"
small="$root/tmp/initrd-small"
mkdir -p "$small"/{bin,dev,proc,sys,root,lib/modules}
mknod -m 600 "$small/dev/console" c 5 1
cp "$root/bin/busybox" "$small/bin/"
install -m 0755 "$here/guest/init" "$small/init"
chroot "$root" modprobe -a -S "$version" --show-depends virtio_pci virtio_blk crc32c_generic ext4 \
  | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r module; do
      cp "$root$module" "$small/lib/modules/"
      basename "$module"
    done >"$small/lib/modules/order"
chroot "$root" sh -c 'cd /tmp/initrd-small && find . | cpio --quiet -o -H newc' >"$work/initrd-small.img"
rm -rf "$small" "$root/usr/bin/qemu-aarch64-static"

# The guest's own settings (cross/vm/guest/).
install -m 0644 "$here/guest/fstab" "$root/etc/fstab"
echo motesskylt-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 motesskylt-vm\n' >"$root/etc/hosts"
mkdir -p "$root/etc/systemd/journald.conf.d" "$root/etc/systemd/system.conf.d"
install -m 0644 "$here/guest/journald.conf" "$root/etc/systemd/journald.conf.d/motesskylt-vm.conf"
# Nothing the tests do not need: no login prompts, no timers that would
# wake during a measurement.
for unit in getty@tty1.service serial-getty@ttyS0.service serial-getty@ttyAMA0.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    dpkg-db-backup.timer systemd-timesyncd.service systemd-logind.service \
    dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-kernel-config.mount sys-fs-fuse-connections.mount systemd-pstore.service \
    modprobe@configfs.service modprobe@dm_mod.service modprobe@fuse.service modprobe@loop.service \
    modprobe@efi_pstore.service systemd-journal-flush.service systemd-update-utmp.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# systemd's generators for what the guest has not (encrypted, verity or
# GPT-discovered disks, SysV scripts, hibernation): each is a program run
# before any unit starts. The fstab generator stays (the data disk).
mkdir -p "$root/etc/systemd/system-generators"
for generator in cryptsetup gpt-auto hibernate-resume integritysetup veritysetup sysv rc-local \
    system-update getty debug run; do
  ln -sf /dev/null "$root/etc/systemd/system-generators/systemd-$generator-generator"
done
# Drivers for q35's devices the tests switch off or never use.
printf 'blacklist %s\n' pcspkr parport_pc ppdev lpc_ich i2c_i801 iTCO_wdt serio_raw joydev \
  >"$root/etc/modprobe.d/motesskylt-vm.conf"
# The guest agent logs every call the tests make (several a second): its
# notices only.
mkdir -p "$root/etc/systemd/system/qemu-guest-agent.service.d"
printf '[Service]\nLogLevelMax=notice\n' >"$root/etc/systemd/system/qemu-guest-agent.service.d/quiet.conf"
chroot "$root" passwd -d root >/dev/null
rm -f "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages

mkdir -p "$work/out"
cp "$root"/boot/vmlinuz-* "$work/out/vmlinuz"
if [ "$arch" = amd64 ]; then
  # The kernel unpacked once here rather than at every boot (xz under
  # emulation takes seconds): QEMU boots the ELF through its PVH entry.
  python3 -c 'import lzma, sys
data = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(lzma.LZMADecompressor().decompress(data[data.index(b"\xfd7zXZ\x00"):]))' \
    "$work/out/vmlinuz" >"$work/out/vmlinux"
fi
cp "$root"/boot/initrd.img-* "$work/out/initrd.img"
mv "$work/initrd-small.img" "$work/out/"
mkfs.ext4 -q -L motesskylt-root -d "$root" "$work/out/root.img" 3G
mkdir -p "$cache"
rm -rf "$out"
mv "$work/out" "$out"
touch "$out/ready"
# Older images of the architecture, once a day has passed (a run of an
# older checkout may still be using one).
find "$cache" -mindepth 1 -maxdepth 1 -name "$arch-*" ! -name "$arch-$key" -mmin +1440 -exec rm -rf {} +
echo "$out"
