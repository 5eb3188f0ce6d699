#!/usr/bin/env bash
# Installs a motesskylt .deb for this machine's architecture and checks it
# as the IT person would meet it, without systemd running: the system user
# and its groups, the data folder, the configuration's owners, the units
# (systemd-analyze verify), a PDF notice read (pdftotext installed by the
# package's Depends), the central server started as the service
# starts it (user motesskylt, the packaged central.toml) answering /healthz,
# the kiosk's check of the packaged kiosk.toml, a reinstall keeping edited
# configuration, a purge that keeps the data, and a reinstall that finds it.
# Needs root; changes this machine (and removes the package, its user and
# its data again at the end).
#
#   cross/install-test.sh target/debian/motesskylt-kiosk_VERSION_amd64.deb
#   cross/install-test.sh target/debian/motesskylt-central_VERSION_amd64.deb
#
# The kiosk's package is checked with both units; the central server's with
# its own, and without the kiosk's hardware groups or udev rules.
set -euo pipefail

deb="$(realpath "${1:?usage: cross/install-test.sh PACKAGE.deb}")"
package="$(dpkg-deb --field "$deb" Package)"
packages=(motesskylt motesskylt-kiosk motesskylt-central)
if [ "$(id -u)" != 0 ]; then
  echo "cross/install-test.sh: SKIPPED: installing a package needs root" >&2
  exit 0
fi
failed=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; failed=1; }
central_pid=""
cleanup() {
  [ -n "$central_pid" ] && kill "$central_pid" 2>/dev/null || true
  dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
  deluser --system motesskylt >/dev/null 2>&1 || true
  userdel motesskylt-test-other >/dev/null 2>&1 || true
  rm -rf /var/lib/motesskylt
}
trap cleanup EXIT

command -v systemd-analyze >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
# A leftover from an earlier run would hide what a fresh install does.
dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
deluser --system motesskylt >/dev/null 2>&1 || true
rm -rf /var/lib/motesskylt /etc/motesskylt
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null 2>"$PWD/install.err" \
  || { cat install.err >&2; exit 1; }
rm -f install.err
ok "apt-get install $(basename "$deb")"

uid="$(id -u motesskylt 2>/dev/null || echo none)"
[ "$uid" != none ] && [ "$uid" -lt 1000 ] && ok "system user motesskylt (uid $uid)" || fail "no system user motesskylt ($uid)"
[ "$(getent passwd motesskylt | cut -d: -f7)" = /usr/sbin/nologin ] && ok "motesskylt cannot log in" || fail "motesskylt has a login shell"
for group in video render input dialout gpio i2c spi; do
  if getent group "$group" >/dev/null; then
    in_group=no
    id -nG motesskylt | tr ' ' '\n' | grep -qx "$group" && in_group=yes
    case "$package:$in_group" in
      motesskylt-kiosk:yes) ok "motesskylt is in $group" ;;
      motesskylt-kiosk:no) fail "motesskylt is not in $group" ;;
      motesskylt-central:no) ok "the central server's user is not in $group" ;;
      *) fail "the central server's user is in the hardware group $group" ;;
    esac
  fi
done
[ "$(stat -c '%U:%G %a' /var/lib/motesskylt)" = "motesskylt:motesskylt 750" ] \
  && ok "/var/lib/motesskylt motesskylt:motesskylt 750" || fail "/var/lib/motesskylt is $(stat -c '%U:%G %a' /var/lib/motesskylt)"
if [ "$package" = motesskylt-kiosk ]; then configs=(kiosk central); else configs=(central); fi
for file in "${configs[@]}"; do
  [ "$(stat -c '%U:%G %a' /etc/motesskylt/$file.toml)" = "root:motesskylt 640" ] \
    && ok "/etc/motesskylt/$file.toml root:motesskylt 640" || fail "/etc/motesskylt/$file.toml is $(stat -c '%U:%G %a' /etc/motesskylt/$file.toml)"
done
for unit in motesskylt-kiosk motesskylt-central; do
  [ ! -e "/etc/systemd/system/multi-user.target.wants/$unit.service" ] \
    && ok "$unit is not enabled before it is configured" || fail "$unit was enabled on install"
done

# A PDF notice read by the installed binary as its user: pdftotext came
# with the package (Depends: poppler-utils).
notice_pdf="$(mktemp --suffix=.pdf)"
cp "$(dirname "$0")/../tests/fixtures/notices/seed-000.pdf" "$notice_pdf"
chmod 644 "$notice_pdf"
read_pdf="$(runuser -u motesskylt -- /usr/bin/motesskylt import --json "$notice_pdf" 2>&1 || true)"
grep -q '"body": "SRO"' <<<"$read_pdf" \
  && ok "import reads a PDF notice (pdftotext installed with the package)" || fail "import of a PDF: $(head -c 300 <<<"$read_pdf")"
rm -f "$notice_pdf"

# The units as installed, with the binary they name in place.
if [ "$package" = motesskylt-kiosk ]; then
  units=(/usr/lib/systemd/system/motesskylt-kiosk.service /usr/lib/systemd/system/motesskylt-central.service)
else
  units=(/usr/lib/systemd/system/motesskylt-central.service)
  [ ! -e /usr/lib/systemd/system/motesskylt-kiosk.service ] && [ ! -e /usr/lib/udev/rules.d/60-motesskylt.rules ] \
    && ok "no kiosk unit, no udev rules" || fail "the central package installed the kiosk's unit or udev rules"
fi
if systemd-analyze verify "${units[@]}" >verify.log 2>&1 \
  && ! grep -q "motesskylt" verify.log; then
  ok "systemd-analyze verify: ${units[*]##*/}"
else
  fail "systemd-analyze verify: $(cat verify.log)"
fi
rm -f verify.log
if [ "$package" = motesskylt-kiosk ]; then
  grep -q "^WatchdogSec=" /usr/lib/systemd/system/motesskylt-kiosk.service && grep -q "^Restart=always" /usr/lib/systemd/system/motesskylt-kiosk.service \
    && grep -q "^Type=notify" /usr/lib/systemd/system/motesskylt-kiosk.service && ok "the kiosk: Type=notify, Restart=always, WatchdogSec" || fail "the kiosk unit lacks its watchdog"
fi

# The central server as its unit starts it: its user and groups (setpriv
# execs, as systemd does), the packaged config.
# A socket stands in for systemd's, to see READY=1.
notify="$(mktemp -d)"
chmod 755 "$notify"
python3 - "$notify/notify" <<'PY' &
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
s.settimeout(30)
print(s.recv(512).decode(), file=open(sys.argv[1] + ".got", "w"))
PY
listener=$!
sleep 0.5
cd /var/lib/motesskylt
NOTIFY_SOCKET="$notify/notify" setpriv --reuid motesskylt --regid motesskylt --init-groups /usr/bin/motesskylt central --config /etc/motesskylt/central.toml >"$notify/out" 2>"$notify/err" &
central_pid=$!
cd - >/dev/null
health=""
for _ in $(seq 1 100); do
  health="$(python3 -c 'import urllib.request;print(urllib.request.urlopen("http://127.0.0.1:8470/healthz", timeout=1).read().decode())' 2>/dev/null)" && break
  sleep 0.2
done
grep -q '"ok"' <<<"$health" && ok "the packaged central answers /healthz: $health" || fail "no /healthz answer: $(cat "$notify/err")"
wait "$listener" || true
grep -q "^READY=1" "$notify/notify.got" 2>/dev/null && ok "the central told systemd: $(tr '\n' ' ' <"$notify/notify.got")" || fail "the central sent no READY=1"
[ "$(stat -c %U /var/lib/motesskylt/central.sqlite 2>/dev/null)" = motesskylt ] \
  && ok "its store /var/lib/motesskylt/central.sqlite belongs to motesskylt" || fail "no store in /var/lib/motesskylt"
kill -TERM "$central_pid"
wait "$central_pid" && ok "it stops cleanly on SIGTERM" || fail "it did not stop cleanly on SIGTERM"
central_pid=""
rm -rf "$notify"

if [ "$package" = motesskylt-kiosk ]; then
# The kiosk's check of the packaged configuration: it needs a notice, or
# a central server whose room's meetings it shows.
if runuser -u motesskylt -- /usr/bin/motesskylt kiosk --check --config /etc/motesskylt/kiosk.toml >check.out 2>&1; then
  fail "the packaged kiosk.toml passed without a notice or a central server"
else
  grep -q "^/etc/motesskylt/kiosk.toml: ingen kallelse att visa och ingen central" check.out \
    && ok "the packaged kiosk.toml without a notice or a central: $(head -c 120 check.out)…" || fail "$(cat check.out)"
fi
cp /etc/motesskylt/kiosk.toml kiosk.toml.packaged
sed -i 's|^# central = .*|central = "https://motesskylt.example.se"|' /etc/motesskylt/kiosk.toml
runuser -u motesskylt -- /usr/bin/motesskylt kiosk --check --config /etc/motesskylt/kiosk.toml >check.out 2>&1 \
  && grep -q "möten: rummets schema från centralen" check.out \
  && ok "in a room, without a notice: $(head -1 check.out)" || fail "$(cat check.out)"
cp kiosk.toml.packaged /etc/motesskylt/kiosk.toml
rm -f kiosk.toml.packaged
cp "$(dirname "$0")/../tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md" /etc/motesskylt/kallelse.md
chmod 644 /etc/motesskylt/kallelse.md
sed -i 's|^# notice = .*|notice = "/etc/motesskylt/kallelse.md"|' /etc/motesskylt/kiosk.toml
runuser -u motesskylt -- /usr/bin/motesskylt kiosk --check --config /etc/motesskylt/kiosk.toml >check.out 2>&1 \
  && ok "with a notice: $(head -1 check.out)" || fail "$(cat check.out)"
# A data folder the kiosk's user cannot write to is named by the check.
chown root:root /var/lib/motesskylt
if runuser -u motesskylt -- /usr/bin/motesskylt kiosk --check --config /etc/motesskylt/kiosk.toml >check.out 2>&1; then
  fail "the check passed a data folder the kiosk cannot write to"
else
  grep -q "data_dir /var/lib/motesskylt: kiosken får inte skriva där" check.out \
    && ok "a data folder it cannot write to: $(head -c 120 check.out)…" || fail "$(cat check.out)"
fi
chown motesskylt:motesskylt /var/lib/motesskylt
rm -f check.out

# A reinstall (as an upgrade does) keeps the edited configuration.
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$deb" >/dev/null
grep -q '^notice = "/etc/motesskylt/kallelse.md"' /etc/motesskylt/kiosk.toml \
  && ok "a reinstall keeps the edited kiosk.toml" || fail "a reinstall replaced the edited kiosk.toml"
[ "$(stat -c '%U:%G %a' /etc/motesskylt/kiosk.toml)" = "root:motesskylt 640" ] \
  && ok "and its owners" || fail "after a reinstall kiosk.toml is $(stat -c '%U:%G %a' /etc/motesskylt/kiosk.toml)"

else
# A reinstall (as an upgrade does) keeps the edited configuration.
sed -i 's|^# *code_valid_hours = .*|code_valid_hours = 12|' /etc/motesskylt/central.toml
grep -q '^code_valid_hours = 12' /etc/motesskylt/central.toml || echo 'code_valid_hours = 12' >>/etc/motesskylt/central.toml
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$deb" >/dev/null
grep -q '^code_valid_hours = 12' /etc/motesskylt/central.toml \
  && ok "a reinstall keeps the edited central.toml" || fail "a reinstall replaced the edited central.toml"
[ "$(stat -c '%U:%G %a' /etc/motesskylt/central.toml)" = "root:motesskylt 640" ] \
  && ok "and its owners" || fail "after a reinstall central.toml is $(stat -c '%U:%G %a' /etc/motesskylt/central.toml)"

fi

# Purge: the configuration goes; the user and the data stay.
dpkg --purge "$package" >/dev/null 2>purge.err
[ ! -e /etc/motesskylt/central.toml ] && [ ! -e /etc/motesskylt/kiosk.toml ] && ok "purge removes the configuration" || fail "purge left the configuration"
[ -f /var/lib/motesskylt/central.sqlite ] && ok "purge keeps /var/lib/motesskylt (attendance not yet synced)" || fail "purge removed the data"
grep -q "is kept" purge.err && ok "and says so" || fail "purge did not say the data is kept"
rm -f purge.err

# Installed again after the user was removed by hand, and its uid taken by
# another: the kept data is given to the new user.
old_uid="$(id -u motesskylt)"
deluser --system motesskylt >/dev/null 2>&1
useradd --system --no-create-home --uid "$old_uid" motesskylt-test-other
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null 2>&1
[ "$(id -u motesskylt)" != "$old_uid" ] && [ "$(stat -c %U /var/lib/motesskylt/central.sqlite)" = motesskylt ] \
  && ok "a reinstall gives the kept data to the new user motesskylt" || fail "kept data belongs to $(stat -c %U /var/lib/motesskylt/central.sqlite)"
userdel motesskylt-test-other

if [ "$failed" != 0 ]; then
  echo "cross/install-test.sh: FAILED" >&2
  exit 1
fi
echo "cross/install-test.sh: $(basename "$deb") installs, serves and is removed as it should"
