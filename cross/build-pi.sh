#!/usr/bin/env bash
# The Raspberry Pi's package (64-bit Raspberry Pi OS): cross/build-deb.sh arm64.
# Prints the path of the .deb; copy it to the Pi and `sudo apt install ./…deb`.
set -euo pipefail
exec "$(dirname "$0")/build-deb.sh" "${1:-arm64}"
