#!/usr/bin/env bash
# Checks what a motesskylt .deb holds, as `dpkg-deb --info` and `--contents`
# show it: the binary for the package's architecture, the configuration as
# conffiles, the systemd units, the maintainer scripts, the licences, and
# the libraries: motesskylt-kiosk has the udev rules and depends on what the
# kiosk's screen and readers need; motesskylt-central has neither.
#
#   cross/check-deb.sh target/debian/motesskylt-kiosk_VERSION_ARCH.deb
#   cross/check-deb.sh target/debian/motesskylt-central_VERSION_amd64.deb
set -euo pipefail

deb="${1:?usage: cross/check-deb.sh PACKAGE.deb}"
failed=0
fail() { echo "FAIL $*" >&2; failed=1; }

arch="$(dpkg-deb --field "$deb" Architecture)"
package="$(dpkg-deb --field "$deb" Package)"
contents="$(dpkg-deb --contents "$deb" | awk '{print $1, $2, $NF}')"
common=(
  "-rwxr-xr-x 0/0 ./usr/bin/motesskylt"
  "-rw-r----- 0/0 ./etc/motesskylt/central.toml"
  "-rw-r--r-- 0/0 ./usr/lib/systemd/system/motesskylt-central.service"
  "-rw-r--r-- 0/0 ./usr/share/doc/motesskylt/THIRD-PARTY.md"
  "-rw-r--r-- 0/0 ./usr/share/doc/motesskylt/fonts-OFL.txt"
)
kiosk_only=(
  "-rw-r----- 0/0 ./etc/motesskylt/kiosk.toml"
  "-rw-r--r-- 0/0 ./usr/lib/systemd/system/motesskylt-kiosk.service"
  "-rw-r--r-- 0/0 ./usr/lib/udev/rules.d/60-motesskylt.rules"
  "-rw-r--r-- 0/0 ./usr/share/doc/motesskylt/raspberry-pi.md"
  "-rw-r--r-- 0/0 ./usr/share/doc/motesskylt/raspberry-pi/wiring.png"
)
case "$package" in
  motesskylt-kiosk) expected=("${common[@]}" "${kiosk_only[@]}"); absent=() ;;
  motesskylt-central) expected=("${common[@]}"); absent=("${kiosk_only[@]}") ;;
  *) echo "cross/check-deb.sh: $deb is no motesskylt package ($package)" >&2; exit 1 ;;
esac
for entry in "${expected[@]}"; do
  grep -qxF -- "$entry" <<<"$contents" && echo "ok   $entry" || fail "missing: $entry"
done
for entry in "${absent[@]}"; do
  grep -qF -- "${entry##* }" <<<"$contents" && fail "$package holds ${entry##* }" || echo "ok   not in $package: ${entry##* }"
done
licences="$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/motesskylt/THIRD-PARTY.md | grep -c '^## ' || true)"
[ "$licences" -gt 100 ] && echo "ok   THIRD-PARTY.md holds the licences of $licences crates" || fail "THIRD-PARTY.md lacks the crates' licences ($licences)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dpkg-deb --control "$deb" "$work"
if [ "$package" = motesskylt-kiosk ]; then
  conffiles="$(printf '/etc/motesskylt/central.toml\n/etc/motesskylt/kiosk.toml')"
else
  conffiles=/etc/motesskylt/central.toml
fi
[ "$(sort "$work/conffiles")" = "$conffiles" ] \
  && echo "ok   conffiles: $(tr '\n' ' ' <"$work/conffiles")kept on upgrade" || fail "conffiles: $(cat "$work/conffiles")"
for script in postinst postrm prerm; do
  [ -x "$work/$script" ] && sh -n "$work/$script" && echo "ok   $script" || fail "$script missing or not valid sh"
done
grep -q "adduser --system --group" "$work/postinst" && echo "ok   postinst makes the system user" || fail "postinst makes no user"
if [ "$package" = motesskylt-kiosk ]; then
  grep -q "deb-systemd-invoke try-restart motesskylt-kiosk.service" "$work/postinst" \
    && echo "ok   an upgrade restarts a running kiosk" || fail "an upgrade does not restart the kiosk"
  units=(motesskylt-kiosk motesskylt-central)
else
  units=(motesskylt-central)
fi
# cargo-deb's snippet for an enabled unit says "new installations run
# enable"; for ours, only the one that keeps an admin's choice on upgrade.
for unit in "${units[@]}"; do
  if grep -q "deb-systemd-helper debian-installed $unit.service" "$work/postinst" \
    && ! grep -q "new installations run enable" "$work/postinst"; then
    echo "ok   $unit is not enabled by the install, and stays as the admin set it on upgrade"
  else
    fail "$unit is enabled on a fresh install, before it is configured"
  fi
done

depends="$(dpkg-deb --field "$deb" Depends)"
gui_and_readers=(libinput10 libudev1 libxkbcommon0 libpcsclite1)
if [ "$package" = motesskylt-kiosk ]; then
  for library in adduser libc6 poppler-utils "${gui_and_readers[@]}"; do
    grep -q "\b$library\b" <<<"$depends" && echo "ok   depends on $library" || fail "Depends lacks $library: $depends"
  done
else
  for library in adduser libc6 poppler-utils; do
    grep -q "\b$library\b" <<<"$depends" && echo "ok   depends on $library" || fail "Depends lacks $library: $depends"
  done
  for library in "${gui_and_readers[@]}" libx11-6 libwayland-client0 libfontconfig1; do
    grep -q "\b$library\b" <<<"$depends" && fail "the central server depends on $library: $depends" || echo "ok   no $library"
  done
fi
for other in motesskylt motesskylt-kiosk motesskylt-central; do
  [ "$other" = "$package" ] && continue
  grep -q "\b$other\b" <<<"$(dpkg-deb --field "$deb" Conflicts)" && echo "ok   conflicts with $other (the same /usr/bin/motesskylt)" || fail "no Conflicts: $other"
done

dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/motesskylt >"$work/motesskylt"
case "$arch" in
  arm64) machine="ARM aarch64" ;;
  armhf) machine="ARM, EABI5" ;;
  amd64) machine="x86-64" ;;
  *) machine="?" ;;
esac
file "$work/motesskylt" | grep -q "$machine" && echo "ok   the binary is $machine" || fail "the binary is not $machine: $(file "$work/motesskylt")"
if [ "$package" = motesskylt-central ] && [ "$arch" = "$(dpkg --print-architecture)" ]; then
  chmod +x "$work/motesskylt"
  if "$work/motesskylt" kiosk --help >/dev/null 2>&1; then
    fail "the central server's binary has the kiosk"
  else
    echo "ok   the central server's binary has no kiosk command"
  fi
  "$work/motesskylt" central --help >/dev/null && echo "ok   and has motesskylt central" || fail "the central binary lacks motesskylt central"
fi

if [ "$failed" != 0 ]; then
  echo "cross/check-deb.sh: $deb FAILED" >&2
  exit 1
fi
echo "cross/check-deb.sh: $deb ($arch) holds what it should"
