#!/usr/bin/env python3
"""Writes the licence texts of every third-party crate in one build of the
binary, for the Debian package's /usr/share/doc/motesskylt/THIRD-PARTY.md.

    cross/licenses.py OUT.md [cargo tree options, e.g. --no-default-features --features central]

The crates are those `cargo tree -e normal` lists for the binary with the
given features (for the target given with --target, if any); the texts are
the LICENSE*, LICENCE*, COPYING*, NOTICE* and UNLICENSE files each crate
ships. A crate without any is named with its SPDX expression, so nothing is
left out silently.
"""
import json
import subprocess
import sys
from pathlib import Path

out = Path(sys.argv[1])
tree_args = sys.argv[2:]
tree = subprocess.check_output(
    ["cargo", "tree", "-p", "motesskylt", "-e", "normal", "--prefix", "none",
     "--format", "{p}", *tree_args], text=True)
wanted = set()
for line in tree.splitlines():
    parts = line.split()
    if len(parts) >= 2 and not parts[0].startswith("motesskylt"):
        wanted.add((parts[0], parts[1].lstrip("v")))

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked", "--all-features"], text=True))
by_id = {(p["name"], p["version"]): p for p in meta["packages"]}
names = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "UNLICENSE")
sections = []
missing = sorted(w for w in wanted if w not in by_id)
if missing:
    sys.exit(f"cross/licenses.py: not in cargo metadata: {missing}")
for name, version in sorted(wanted):
    package = by_id[(name, version)]
    root = Path(package["manifest_path"]).parent
    texts = sorted(f for f in root.iterdir()
                   if f.is_file() and f.name.upper().startswith(names))
    if package.get("license_file"):
        extra = root / package["license_file"]
        if extra.is_file() and extra not in texts:
            texts.append(extra)
    body = [f"## {name} {version}\n", f"Licence: {package.get('license') or 'see below'}\n"]
    if package.get("repository"):
        body.append(f"Source: {package['repository']}\n")
    for text in texts:
        body.append(f"\n### {text.name}\n\n```\n{text.read_text(errors='replace').rstrip()}\n```\n")
    if not texts:
        body.append("\n(The crate ships no licence file; its licence is the SPDX expression above.)\n")
    sections.append("".join(body))
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(
    "# Third-party software in motesskylt\n\n"
    f"motesskylt (GPL-3.0-only) is built from these {len(sections)} crates; "
    "their licences follow. The fonts (Noto Sans) are under the SIL Open Font "
    "Licence, in fonts-OFL.txt beside this file.\n\n" + "\n".join(sections))
print(f"{out}: {len(sections)} crates")
