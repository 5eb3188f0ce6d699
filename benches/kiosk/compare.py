#!/usr/bin/python3
"""Kiosk benchmark: `motesskylt demo` side by side with Debian's Chromium in
kiosk mode showing the same room screen as an HTML/JS page (room.html).

Each runs alone on a fresh Xvfb screen of 800×480 and is measured the same
way, from outside, by reading the screen's pixels:

- first frame: from process start until the countdown's digits are on
  screen;
- greeting: from a key press (XTest; it stands for a card tap) until the
  door's green-framed greeting is on screen, 5 taps;
- CPU while idle on the countdown: user + system time of all its processes
  over BENCH_IDLE_SECONDS (default 60), as a share of one core;
- memory after BENCH_MINUTES (default 10) of countdown: PSS summed over all
  its processes (shared pages counted once), and RSS summed.

Run: benches/kiosk/run.sh (installs what is missing, builds the release
binary, then runs this). Prints a Markdown table. BENCH_SUBJECTS=kiosk
measures only motesskylt; with BENCH_MINUTES=0 that is the quick check CI
runs: the demo's window opens, its countdown moves, and a key press is
greeted (it exits non-zero otherwise).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from Xlib import X, XK, display
from Xlib.ext import xtest

WIDTH, HEIGHT = 800, 480
MINUTES = float(os.environ.get("BENCH_MINUTES", "10"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
TAPS = 5
TEXT = (0xEE, 0xF2, 0xF6)  # the countdown before the meeting (white)
CALM = (0x3E, 0xCF, 0x8E)  # the greeting's frame (green)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def start_xvfb(number):
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        if os.path.exists(f"/tmp/.X11-unix/X{number}"):
            try:
                return server, display.Display(f":{number}")
            except Exception:
                pass
        time.sleep(0.02)
    raise SystemExit(f"Xvfb :{number} did not start")


def count(disp, box, colour):
    """Pixels of exactly `colour` in box (x, y, w, h) of the root window
    (solid fills and glyph interiors; counted in C by bytes.count, so a
    poll takes well under a millisecond)."""
    x, y, w, h = box
    image = disp.screen().root.get_image(x, y, w, h, X.ZPixmap, 0xFFFFFFFF)
    r, g, b = colour
    return image.data.count(bytes((b, g, r)))  # the pixels are BGRX


def wait_for(disp, box, colour, minimum, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if count(disp, box, colour) >= minimum:
            return time.monotonic()
        time.sleep(0.001)
    return None


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def cpu_seconds(pids):
    """CPU time of every thread of `pids`, from the scheduler's own
    nanosecond accounting (/proc/…/task/…/schedstat)."""
    total = 0
    for p in pids:
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e9


def memory_kb(pids):
    pss = rss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss


def press(disp, key):
    code = disp.keysym_to_keycode(XK.string_to_keysym(key))
    xtest.fake_input(disp, X.KeyPress, code)
    xtest.fake_input(disp, X.KeyRelease, code)
    disp.sync()


def focus_top_window(disp):
    root = disp.screen().root
    for window in reversed(root.query_tree().children):
        attrs = window.get_attributes()
        geometry = window.get_geometry()
        if attrs.map_state == X.IsViewable and geometry.width >= WIDTH // 2:
            window.set_input_focus(X.RevertToParent, X.CurrentTime)
            disp.sync()
            return


def measure(name, command, number, env):
    server, disp = start_xvfb(number)
    env = dict(env, DISPLAY=f":{number}")
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        shown = wait_for(disp, (0, HEIGHT // 2, WIDTH, HEIGHT // 2), TEXT, 800, 60)
        if shown is None:
            raise SystemExit(f"{name}: no countdown on screen after 60 s")
        first_frame_ms = (shown - started) * 1000
        timer = (0, HEIGHT // 2, WIDTH, HEIGHT // 2)
        frame = disp.screen().root.get_image(*timer, X.ZPixmap, 0xFFFFFFFF).data
        live = time.monotonic() + 3
        while disp.screen().root.get_image(*timer, X.ZPixmap, 0xFFFFFFFF).data == frame:
            if time.monotonic() > live:
                raise SystemExit(f"{name}: the countdown does not move")
            time.sleep(0.05)
        time.sleep(5)
        focus_top_window(disp)
        greetings = []
        door = (0, 50, WIDTH, 160)
        for key in "12345"[:TAPS]:
            time.sleep(6)  # the previous greeting has gone
            before = count(disp, door, CALM)
            pressed = time.monotonic()
            press(disp, key)
            seen = wait_for(disp, door, CALM, before + 1500, 5)
            if seen is None:
                raise SystemExit(f"{name}: no greeting after key {key}")
            greetings.append((seen - pressed) * 1000)
        time.sleep(6)
        pids = descendants(process.pid)
        cpu_before = cpu_seconds(pids)
        time.sleep(IDLE_SECONDS)
        pids = descendants(process.pid)
        idle_cpu = (cpu_seconds(pids) - cpu_before) / IDLE_SECONDS * 100
        remaining = MINUTES * 60 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        pids = descendants(process.pid)
        pss, rss = memory_kb(pids)
        return {
            "first_frame_ms": first_frame_ms,
            "greeting_ms": sorted(greetings),
            "idle_cpu": idle_cpu,
            "pss_mb": pss / 1024,
            "rss_mb": rss / 1024,
            "processes": len(pids),
        }
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        disp.close()
        server.terminate()
        server.wait()
        # systemctl stop sends SIGTERM: the kiosk closes its window and
        # exits 0, as when closed by hand.
        if (sys.exc_info()[0] is None and name.startswith("motesskylt")
                and process.returncode != 0):
            raise SystemExit(f"{name}: SIGTERM did not stop it cleanly "
                             f"(exit {process.returncode})")


def main():
    kiosk = os.environ.get("MOTESSKYLT_BIN", os.path.join(ROOT, "target", "release", "motesskylt"))
    chromium = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    env = dict(os.environ, SLINT_BACKEND="winit-software")
    subjects = [
        ("motesskylt demo (Slint, software renderer)", [kiosk, "demo", "--fullscreen"], 91),
        ("Chromium kiosk, same page in HTML/JS", [
            chromium, "--kiosk", "--no-sandbox", "--no-first-run", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-quic", f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}", "--window-position=0,0",
            "file://" + os.path.join(HERE, "room.html"),
        ], 92),
    ]
    wanted = os.environ.get("BENCH_SUBJECTS", "kiosk,chromium").split(",")
    subjects = [s for s, key in zip(subjects, ["kiosk", "chromium"]) if key in wanted]
    results = []
    for name, command, number in subjects:
        print(f"measuring {name} ({MINUTES:g} min) …", file=sys.stderr)
        results.append((name, measure(name, command, number, env)))
    shutil.rmtree(profile, ignore_errors=True)

    print(f"| 800×480 under Xvfb, {MINUTES:g} min run | first frame | greeting after tap "
          f"(median, max of {TAPS}) | CPU idle on countdown | PSS after {MINUTES:g} min "
          "| RSS sum | processes |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results:
        g = r["greeting_ms"]
        print(f"| {name} | {r['first_frame_ms']:.0f} ms | {g[len(g) // 2]:.0f} ms, {g[-1]:.0f} ms "
              f"| {r['idle_cpu']:.2f} % | {r['pss_mb']:.1f} MB | {r['rss_mb']:.1f} MB "
              f"| {r['processes']} |")
    if len(results) < 2:
        return
    (_, ours), (_, theirs) = results
    print()
    print(f"Chromium uses {theirs['pss_mb'] / ours['pss_mb']:.0f}× the memory (PSS) and "
          f"{theirs['idle_cpu'] / max(ours['idle_cpu'], 0.001):.0f}× the idle CPU.")


if __name__ == "__main__":
    main()
