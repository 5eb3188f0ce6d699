#!/usr/bin/env bash
# The secretary's pages in a real browser: builds the server, starts a
# central server on a free port over a fresh SQLite file with a secretary
# (anna, body SRO) and an administrator, and runs secretary.mjs
# (playwright-core driving Debian's Chromium, headless), a11y.mjs
# (axe-core and reflow on every page) and room.mjs.
#
#   tests/browser/run.sh                        # as CI runs it
#   SCREENSHOTS=docs/web tests/browser/run.sh   # also renews docs/web/*.png
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# The docs' screenshots show Swedish date and time fields: Chromium's
# Swedish strings are in chromium-l10n.
if [ -n "${SCREENSHOTS:-}" ] && [ ! -e /usr/lib/chromium/locales/sv.pak ]; then need+=(chromium-l10n); fi
/usr/bin/python3 -c "import openpyxl" 2>/dev/null || need+=(python3-openpyxl)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v node >/dev/null; then
  echo "tests/browser: node (20 or newer) is needed to run playwright-core" >&2
  exit 1
fi

cargo build --quiet
bin="$root/target/debug/motesskylt"

# playwright-core only: no browser of its own is ever downloaded.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

tmp="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/central.toml" <<EOF
[server]
listen = "127.0.0.1:0"
database = "$tmp/central.sqlite"
EOF
export ANNA_PASSWORD="anna-lösenord-$RANDOM$RANDOM"
export ADMIN_PASSWORD="admin-lösenord-$RANDOM$RANDOM"
MOTESSKYLT_PASSWORD="$ANNA_PASSWORD" "$bin" central --config "$tmp/central.toml" user anna --body SRO >/dev/null
MOTESSKYLT_PASSWORD="$ADMIN_PASSWORD" "$bin" central --config "$tmp/central.toml" user admin --role admin >/dev/null
# The room exists before the secretary imports: IT made the code that
# enrols its kiosk (only administrators add rooms). The test starts that
# kiosk (headless, no notice) to see the pages' import reach it.
KIOSK_CODE="$("$bin" central --config "$tmp/central.toml" code --room konferens-1 | head -n 1)"
export KIOSK_CODE

"$bin" central --config "$tmp/central.toml" >"$tmp/server.out" 2>"$tmp/server.log" &
server=$!
base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's/^motesskylt central lyssnar på \(http:[^ ]*\)$/\1/p' "$tmp/server.out")"
  [ -n "$base" ] && break
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "tests/browser: the central server did not start; its log:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi

status=0
BIN="$bin" BASE_URL="$base" WORK_DIR="$tmp" SEED="$root/tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md" \
  SCREENSHOTS="${SCREENSHOTS:-}" node "$here/secretary.mjs" || status=$?
# WCAG 2.1 AA on every page, signed out and in, Swedish and English
# (issue 24), on what secretary.mjs left in the store.
BASE_URL="$base" SEED="$root/tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md" node "$here/a11y.mjs" || status=$?
# The meeting run from the secretary's phone: a server and a kiosk of its
# own, on a rehearsal clock (issue 19).
BIN="$bin" WORK_DIR="$tmp" SEED="$root/tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md" \
  SCREENSHOTS="${SCREENSHOTS:-}" node "$here/room.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  echo "tests/browser: the server's log (last 40 lines):" >&2
  tail -n 40 "$tmp/server.log" >&2
fi
exit "$status"
