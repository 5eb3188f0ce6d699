#!/usr/bin/python3
"""The live kiosk window against the headless renderer, pixel for pixel.

Starts `motesskylt kiosk` in a window on a fresh Xvfb screen (800×480) on
the SRO meeting of 4 June 2026, its clock set to just before the start;
presses `n` through every agenda entry and `p` back over the first items
(the live window's own change detection and partial redraws at work), and
after each press compares the window's pixels with `motesskylt render` of
the same moment and the kiosk's own event log (`motesskylt export`). The
kiosk's clock runs, so "the same moment" is one of the two or three whole
seconds the screenshot can fall in; a frame matching none of them, twice
in a row, fails the test and is kept (with the renders) for a look.

Run by tests/window/run.sh (installs Xvfb, xdotool and ImageMagick when
missing; MOTESSKYLT_BIN picks the binary).
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

WIDTH, HEIGHT = 800, 480
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NOTICE = os.path.join(ROOT, "tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md")
START = datetime.datetime(2026, 6, 4, 12, 59, 50)
BIN = os.environ.get("MOTESSKYLT_BIN", os.path.join(ROOT, "target/release/motesskylt"))
def free_display():
    """A display number no X server holds (no lock file)."""
    wanted = os.environ.get("LIVE_DISPLAY")
    if wanted:
        return ":" + wanted
    for number in range(71, 171):
        if not os.path.exists(f"/tmp/.X{number}-lock"):
            return f":{number}"
    raise SystemExit("no free X display number between 71 and 170")


DISPLAY = free_display()


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, **kwargs)


def start_xvfb():
    """A fresh Xvfb on DISPLAY, returned once it answers (its socket can
    exist a moment before it takes connections, or be left over)."""
    server = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = dict(os.environ, DISPLAY=DISPLAY)
    for _ in range(500):
        if server.poll() is not None:
            raise SystemExit(f"Xvfb {DISPLAY} did not start (is the display taken?)")
        answered = subprocess.run(
            ["xdotool", "getdisplaygeometry"], env=env, capture_output=True
        )
        if answered.returncode == 0:
            return server
        time.sleep(0.02)
    server.kill()
    raise SystemExit(f"Xvfb {DISPLAY} does not answer")


def differing_pixels(a, b):
    """Pixels that differ between two images (ImageMagick's AE metric)."""
    done = subprocess.run(
        ["compare", "-metric", "AE", a, b, "null:"], capture_output=True, text=True
    )
    try:
        return int(float(done.stderr.split()[0]))
    except (ValueError, IndexError):
        raise SystemExit(f"compare {a} {b}: {done.stderr.strip()}")


def main():
    work = tempfile.mkdtemp(prefix="motesskylt-live-")
    data = os.path.join(work, "data")
    config = os.path.join(work, "kiosk.toml")
    with open(config, "w") as f:
        f.write(
            f'[kiosk]\ndata_dir = "{data}"\ndevice = "live-test"\nnotice = "{NOTICE}"\n'
            '[reader]\nkind = "none"\n'
        )
    env = dict(os.environ, DISPLAY=DISPLAY)
    env.pop("WAYLAND_DISPLAY", None)
    env["SLINT_BACKEND"] = "winit-software"
    server = start_xvfb()
    kiosk = None
    failed = []
    try:
        spawned = time.monotonic()
        kiosk = subprocess.Popen(
            [BIN, "kiosk", "--config", config, "--keys", "--clock", START.strftime("%Y-%m-%d %H:%M:%S")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(work, "kiosk.log"), "w"),
        )
        window = None
        for _ in range(300):
            found = subprocess.run(
                ["xdotool", "search", "--name", "^motesskylt$"],
                env=env, capture_output=True, text=True,
            ).stdout.split()
            if found:
                window = found[0]
                break
            time.sleep(0.05)
        if window is None:
            raise SystemExit("the kiosk's window did not open: " + open(os.path.join(work, "kiosk.log")).read())
        time.sleep(1.0)
        run("xdotool", "windowfocus", "--sync", window, env=env)

        def kiosk_seconds():
            """The whole seconds the kiosk's clock can show now: its clock
            was set to START when the process began, a little after `spawned`."""
            elapsed = time.monotonic() - spawned
            late = START + datetime.timedelta(seconds=elapsed)
            early = late - datetime.timedelta(seconds=1.5)
            moments = []
            t = early.replace(microsecond=0)
            while t <= late + datetime.timedelta(seconds=1):
                moments.append(t)
                t += datetime.timedelta(seconds=1)
            return moments

        def check(step, label):
            for attempt in range(2):
                moments = kiosk_seconds()
                shot = os.path.join(work, f"{step:02d}-live.png")
                run("import", "-window", "root", "-crop", f"{WIDTH}x{HEIGHT}+0+0", "+repage", shot, env=env)
                log = os.path.join(work, "events.jsonl")
                with open(log, "w") as out:
                    subprocess.run([BIN, "export", data], stdout=out, check=True)
                best = None
                for moment in moments:
                    rendered = os.path.join(work, f"{step:02d}-render-{moment:%H%M%S}.png")
                    run(BIN, "render", NOTICE, "--at", moment.strftime("%Y-%m-%d %H:%M:%S"),
                        "--events", log, "--size", f"{WIDTH}x{HEIGHT}", "--out", rendered)
                    diff = differing_pixels(shot, rendered)
                    if best is None or diff < best[0]:
                        best = (diff, rendered)
                    if diff == 0:
                        print(f"  {step:2d} {label}: the window equals the render at {moment:%H:%M:%S}")
                        return
                time.sleep(0.4)
            failed.append((step, label, best))
            print(f"  {step:2d} {label}: {best[0]} pixels differ from the closest render ({best[1]}; the window: {shot})")

        check(0, "before the start")
        presses = ["n"] * 17 + ["p"] * 6 + ["n"] * 3
        for step, key in enumerate(presses, start=1):
            run("xdotool", "key", key, env=env)
            time.sleep(0.6)
            check(step, f"after '{key}'")
    finally:
        if kiosk is not None:
            kiosk.terminate()
            try:
                kiosk.wait(5)
            except subprocess.TimeoutExpired:
                kiosk.kill()
        server.terminate()
        server.wait()
    if failed:
        print(f"FAIL: {len(failed)} of the live frames differ from the headless render; kept in {work}")
        sys.exit(1)
    print("ok: every live frame equals the headless render of its moment")
    log = open(os.path.join(work, "kiosk.log")).read()
    if "xdg desktop settings" in log:
        raise SystemExit(f"FAIL: the kiosk complained about the desktop's settings:\n{log}")
    keys_do_nothing_at_a_door(work)
    demo_cleans_up(work)
    shutil.rmtree(work, ignore_errors=True)


def keys_do_nothing_at_a_door(work):
    """A kiosk started without --keys, as at a door: the demo's keys (n, e,
    a digit) on a keyboard record nothing; with them `e` would end the
    meeting without the PIN."""
    data = os.path.join(work, "door-data")
    config = os.path.join(work, "door.toml")
    with open(config, "w") as f:
        f.write(
            f'[kiosk]\ndata_dir = "{data}"\ndevice = "door-test"\nnotice = "{NOTICE}"\n'
            '[reader]\nkind = "none"\n'
        )
    env = dict(os.environ, DISPLAY=DISPLAY, SLINT_BACKEND="winit-software")
    env.pop("WAYLAND_DISPLAY", None)
    server = start_xvfb()
    kiosk = subprocess.Popen(
        [BIN, "kiosk", "--config", config, "--clock", START.strftime("%Y-%m-%d %H:%M:%S")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            found = subprocess.run(["xdotool", "search", "--name", "^motesskylt$"], env=env,
                                   capture_output=True, text=True).stdout.split()
            if found:
                break
            time.sleep(0.05)
        else:
            raise SystemExit("FAIL: the door kiosk's window did not open")
        time.sleep(1.0)
        run("xdotool", "windowfocus", "--sync", found[0], env=env)
        for key in ["n", "e", "1", "n"]:
            run("xdotool", "key", key, env=env)
            time.sleep(0.3)
        time.sleep(1.0)
    finally:
        kiosk.terminate()
        kiosk.wait(10)
        server.terminate()
        server.wait()
    events = subprocess.run([BIN, "export", data], capture_output=True, text=True, check=True).stdout
    if events.strip():
        raise SystemExit(f"FAIL: keys at a door kiosk without --keys recorded events:\n{events}")
    print("ok: without --keys the demo's keys record nothing at a door kiosk")


def demo_cleans_up(work):
    """`motesskylt demo` in its window, stopped by Ctrl-C (SIGINT) and by
    SIGTERM: it exits 0 and leaves no temporary folder and no complaint."""
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp)
    env = dict(os.environ, DISPLAY=DISPLAY, TMPDIR=tmp, SLINT_BACKEND="winit-software")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env["XDG_RUNTIME_DIR"] = tmp
    for signal_name, signal_number in (("SIGINT", 2), ("SIGTERM", 15)):
        server = start_xvfb()
        try:
            demo = subprocess.Popen([BIN, "demo"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            for _ in range(300):
                if subprocess.run(["xdotool", "search", "--name", "^motesskylt$"], env=env,
                                  capture_output=True).stdout.strip():
                    break
                time.sleep(0.05)
            else:
                demo.kill()
                raise SystemExit("FAIL: the demo's window did not open: " + demo.communicate()[1])
            during = [name for name in os.listdir(tmp) if name.startswith("motesskylt-demo-")]
            time.sleep(0.5)
            demo.send_signal(signal_number)
            _, err = demo.communicate(timeout=10)
        finally:
            server.terminate()
            server.wait()
        left = [name for name in os.listdir(tmp) if name.startswith("motesskylt-demo-")]
        if not during:
            raise SystemExit("FAIL: the demo made no folder of its own under TMPDIR")
        if demo.returncode != 0 or left or "xdg desktop settings" in err:
            raise SystemExit(
                f"FAIL: demo stopped by {signal_name}: exit {demo.returncode}, left {left}, said:\n{err}"
            )
        print(f"ok: the demo stopped by {signal_name} exits 0, leaves nothing in TMPDIR, and does not complain")


if __name__ == "__main__":
    main()
