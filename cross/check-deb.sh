#!/usr/bin/env bash
# Checks what a motesskylt .deb holds, as `dpkg-deb --info` and `--contents`
# show it: the binary for the package's architecture, the configuration as
# conffiles, both systemd units, the udev rules, the maintainer scripts and
# the libraries the kiosk's screen needs.
#
#   cross/check-deb.sh target/debian/motesskylt_VERSION_ARCH.deb
set -euo pipefail

deb="${1:?usage: cross/check-deb.sh PACKAGE.deb}"
failed=0
fail() { echo "FAIL $*" >&2; failed=1; }

arch="$(dpkg-deb --field "$deb" Architecture)"
contents="$(dpkg-deb --contents "$deb" | awk '{print $1, $2, $NF}')"
for expected in \
  "-rwxr-xr-x 0/0 ./usr/bin/motesskylt" \
  "-rw-r----- 0/0 ./etc/motesskylt/kiosk.toml" \
  "-rw-r----- 0/0 ./etc/motesskylt/central.toml" \
  "-rw-r--r-- 0/0 ./usr/lib/systemd/system/motesskylt-kiosk.service" \
  "-rw-r--r-- 0/0 ./usr/lib/systemd/system/motesskylt-central.service" \
  "-rw-r--r-- 0/0 ./usr/lib/udev/rules.d/60-motesskylt.rules" \
  "-rw-r--r-- 0/0 ./usr/share/doc/motesskylt/raspberry-pi.md" \
  "-rw-r--r-- 0/0 ./usr/share/doc/motesskylt/raspberry-pi/wiring.png"; do
  grep -qxF -- "$expected" <<<"$contents" && echo "ok   $expected" || fail "missing: $expected"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dpkg-deb --control "$deb" "$work"
[ "$(sort "$work/conffiles")" = "$(printf '/etc/motesskylt/central.toml\n/etc/motesskylt/kiosk.toml')" ] \
  && echo "ok   conffiles: the two configuration files, kept on upgrade" || fail "conffiles: $(cat "$work/conffiles")"
for script in postinst postrm prerm; do
  [ -x "$work/$script" ] && sh -n "$work/$script" && echo "ok   $script" || fail "$script missing or not valid sh"
done
grep -q "adduser --system --group" "$work/postinst" && echo "ok   postinst makes the system user" || fail "postinst makes no user"
grep -q "deb-systemd-invoke try-restart motesskylt-kiosk.service" "$work/postinst" \
  && echo "ok   an upgrade restarts a running kiosk" || fail "an upgrade does not restart the kiosk"
# cargo-deb's snippet for an enabled unit says "new installations run
# enable"; for ours, only the one that keeps an admin's choice on upgrade.
for unit in motesskylt-kiosk motesskylt-central; do
  if grep -q "deb-systemd-helper debian-installed $unit.service" "$work/postinst" \
    && ! grep -q "new installations run enable" "$work/postinst"; then
    echo "ok   $unit is not enabled by the install, and stays as the admin set it on upgrade"
  else
    fail "$unit is enabled on a fresh install, before it is configured"
  fi
done

depends="$(dpkg-deb --field "$deb" Depends)"
for library in adduser libc6 libinput10 libudev1 libxkbcommon0 libpcsclite1; do
  grep -q "\b$library\b" <<<"$depends" && echo "ok   depends on $library" || fail "Depends lacks $library: $depends"
done

dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/motesskylt >"$work/motesskylt"
case "$arch" in
  arm64) machine="ARM aarch64" ;;
  armhf) machine="ARM, EABI5" ;;
  amd64) machine="x86-64" ;;
  *) machine="?" ;;
esac
file "$work/motesskylt" | grep -q "$machine" && echo "ok   the binary is $machine" || fail "the binary is not $machine: $(file "$work/motesskylt")"

if [ "$failed" != 0 ]; then
  echo "cross/check-deb.sh: $deb FAILED" >&2
  exit 1
fi
echo "cross/check-deb.sh: $deb ($arch) holds what it should"
