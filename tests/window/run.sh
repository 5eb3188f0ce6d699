#!/usr/bin/env bash
# The live kiosk window under Xvfb, frame by frame against the headless
# renderer (live_frames.py). Installs Xvfb, xdotool and ImageMagick from
# Debian when missing. MOTESSKYLT_BIN names the binary to test (CI: the one
# the amd64 package was built from); without it the release binary is built.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v xdotool >/dev/null || missing+=(xdotool)
command -v compare >/dev/null || missing+=(imagemagick)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ -z "${MOTESSKYLT_BIN:-}" ]; then
  cargo build --release --quiet -p motesskylt
  export MOTESSKYLT_BIN=target/release/motesskylt
fi
exec /usr/bin/python3 tests/window/live_frames.py
