#!/usr/bin/env bash
# The kiosk benchmark (see compare.py): motesskylt demo against Chromium
# showing the same screen. Installs Xvfb, Chromium and python3-xlib from
# Debian if missing, builds the release binary, then measures.
#   benches/kiosk/run.sh                      # 10 minutes each
#   BENCH_MINUTES=2 benches/kiosk/run.sh      # a quicker look
#   BENCH_SUBJECTS=kiosk BENCH_MINUTES=0 BENCH_IDLE_SECONDS=2 benches/kiosk/run.sh
#                                             # CI's check of the demo window
# BENCH_FEATURES=kiosk,central,winit,kms,pcsc builds with exactly those features (CI: the binary the
# amd64 package was just built from, so nothing is built again).
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v Xvfb >/dev/null || missing+=(xvfb)
case "${BENCH_SUBJECTS:-kiosk,chromium}" in
  *chromium*) command -v chromium >/dev/null || missing+=(chromium) ;;
esac
/usr/bin/python3 -c 'import Xlib' 2>/dev/null || missing+=(python3-xlib)
fc-list | grep -q NotoSans-Regular || missing+=(fonts-noto-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cargo build --release --quiet -p motesskylt ${BENCH_FEATURES:+--no-default-features --features "$BENCH_FEATURES"}
exec /usr/bin/python3 benches/kiosk/compare.py
