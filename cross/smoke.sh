#!/usr/bin/env bash
# Smoke test of a Pi package under qemu-user: the packaged binary (arm64 or
# armhf) must give the same answers as the x86-64 build of the same source.
#
#   cross/smoke.sh target/aarch64-unknown-linux-gnu/debian/motesskylt-kiosk_VERSION_arm64.deb target/release/motesskylt
#
# Checks --version, `import --json`, `status --json`, `render` (the PNG
# byte-identical), `kiosk --check` on the packaged kiosk.toml, and a real
# SQLite store checked and exported. libtest binaries hang under qemu-user,
# so this drives the binary itself.
set -euo pipefail
cd "$(dirname "$0")/.."

deb="${1:?usage: cross/smoke.sh PACKAGE.deb HOST-BINARY}"
host="${2:?usage: cross/smoke.sh PACKAGE.deb HOST-BINARY}"
arch="$(dpkg-deb --field "$deb" Architecture)"
case "$arch" in
  arm64) qemu=(qemu-aarch64-static -L /usr/aarch64-linux-gnu) ;;
  armhf) qemu=(qemu-arm-static -L /usr/arm-linux-gnueabihf) ;;
  *) echo "cross/smoke.sh: $deb is for $arch, not a Pi" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
pi=("${qemu[@]}" "$work/root/usr/bin/motesskylt")
notice=tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md
events=tests/fixtures/events-sro-2026-06-04.jsonl
unset MOTESSKYLT_TZ
failed=0

same() { # what, then the two files
  if cmp -s "$2" "$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1: $arch and x86-64 differ" >&2
    diff <(head -c 2000 "$2") <(head -c 2000 "$3") | head -20 >&2 || true
    failed=1
  fi
}

# Runs the same arguments on both binaries; {} in an argument is the run's
# own folder (pi/ or host/).
both() {
  local what="$1"; shift
  for side in pi host; do
    mkdir -p "$work/$side"
    local args=("${@//\{\}/$work/$side}")
    if [ "$side" = pi ]; then
      "${pi[@]}" "${args[@]}" >"$work/$side/out" 2>"$work/$side/err" || { echo "FAIL $what on $arch: $(cat "$work/$side/err")" >&2; failed=1; }
    else
      "$host" "${args[@]}" >"$work/$side/out" 2>"$work/$side/err" || { echo "FAIL $what on x86-64: $(cat "$work/$side/err")" >&2; failed=1; }
    fi
  done
  same "$what" "$work/pi/out" "$work/host/out"
}

both "--version" --version
both "import --json" import "$notice" --json
both "status --json" status "$notice" --at "2026-06-04 14:10" --events "$events" --json
both "render" render "$notice" --at "2026-06-04 13:26" --events "$events" --out "{}/skarm.png"
same "render's PNG, byte for byte" "$work/pi/skarm.png" "$work/host/skarm.png"
if file "$work/pi/skarm.png" | grep -q "PNG image data, 800 x 480"; then
  echo "ok   the PNG is the 7-inch screen's 800x480"
else
  echo "FAIL the render is not an 800x480 PNG: $(file "$work/pi/skarm.png")" >&2; failed=1
fi

# The packaged configuration, with a data folder and a notice.
sed -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
    -e "s|^# notice = .*|notice = \"$PWD/$notice\"|" \
    "$work/root/etc/motesskylt/kiosk.toml" >"$work/kiosk.toml"
if "${pi[@]}" kiosk --check --config "$work/kiosk.toml" >"$work/check" 2>&1 && grep -q "i ordning" "$work/check"; then
  echo "ok   kiosk --check on the packaged kiosk.toml"
else
  echo "FAIL kiosk --check on the packaged kiosk.toml: $(cat "$work/check")" >&2; failed=1
fi

# A real store: the x86-64 kiosk checks someone in (the kiosk's threads
# spin under qemu-user, as libtest's do, so the door itself is not run
# here); the Pi's binary checks that SQLite file and exports it, and must
# say what the x86-64 binary says.
sed -i -e 's|^kind = .*|kind = "none"|' -e 's|^device = .*||' "$work/kiosk.toml"
if ! printf 'open-picker\npick Olof Lundberg\nquit\n' | "$host" kiosk --headless --config "$work/kiosk.toml" \
  --clock "2026-06-04 12:55" >"$work/door" 2>&1 || ! grep -q '"door":"welcome"' "$work/door"; then
  echo "FAIL the x86-64 kiosk did not check in: $(cat "$work/door")" >&2; failed=1
fi
if "${pi[@]}" store check "$work/data" >"$work/check" 2>&1 && grep -q "SRO-2026-06-04: 1 " "$work/check"; then
  echo "ok   store check on $arch: $(head -1 "$work/check")"
else
  echo "FAIL store check on $arch: $(cat "$work/check")" >&2; failed=1
fi
both "export --format minutes" export "$work/data" --format minutes
both "export --format attendance-csv" export "$work/data" --format attendance-csv
grep -q "Olof Lundberg" "$work/pi/out" || { echo "FAIL the export lacks the check-in" >&2; failed=1; }

if [ "$failed" != 0 ]; then
  echo "cross/smoke.sh: $arch package FAILED" >&2
  exit 1
fi
echo "cross/smoke.sh: the $arch package passed under $(${qemu[0]} --version | head -1)"
