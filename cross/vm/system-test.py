#!/usr/bin/python3
"""The packaged kiosk in a virtual machine (cross/vm/README.md).

    cross/vm/system-test.py --arch amd64 --deb PATH --bin HOST-BINARY [--cuts N]

Boots the guest of `image.sh`, installs the .deb as the setup guide says
(`apt install ./motesskylt-kiosk_….deb`), moves the data to its own disk
(guide section 11, steps 1 and 2), configures the kiosk for a wedge reader
on the virtual USB keyboard with the SRO notice of 4 June 2026 (the guest's
clock starts at 13:20 that day), registers eight cards through the
headless kiosk, and enables the unit as shipped. Then, each printed as
`ok` or `FAIL`:

- the unit is active (Type=notify: it sent READY=1) under its sandboxing;
- the screen: a QMP screendump equals `motesskylt render` of the same
  moment (the host's binary renders; the only difference allowed is the
  second the screendump falls in), and the time from power-on to the
  kiosk's first frame (screendumps until the screen has the colours of
  its text);
- a card typed on the keyboard: the greeting on the screendump equals the
  render of the greeting, and the check-in is in the store;
- `kill -STOP`: the watchdog restarts the kiosk, the journal counts it, the
  screen comes back;
- power cuts (amd64): N `system_reset`s at random moments while cards are
  typed, shared by two copies of the guest running at once (while this
  guest goes on with the checks below); the data disk as each cut left it
  is read on the host: every event whose "händelsen sparad" line reached
  the host is in the store, `store check` passes; and the kiosk comes
  back by itself;
- a read-only root (guide section 11, step 4, `overlayroot=tmpfs:recurse=0`):
  the data disk stays writable, everything else is as before the boot;
- the checks catch a broken unit: with `ReadOnlyPaths=/var/lib/motesskylt`
  or the kiosk's user out of the `input` group, they fail.

Exit 1 when any check fails. The guest has no network device at all.
"""

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guest import Guest, GuestError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTICE = os.path.join(ROOT, "tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md")
# 13:20 in Stockholm (CEST) on the meeting's day: check-in is open.
RTC_BASE = "2026-06-04T11:20:00"
TZ_OFFSET_S = 2 * 3600
PIN = "2468"
# Eight registered cards: UID and the person as in the notice.
CARDS = [
    ("04A1B2C3", "Olof Lundberg"),
    ("04A1B2C4", "Marina Johansson"),
    ("04A1B2C5", "Linn Brandström"),
    ("04A1B2C6", "Ulf Olsson"),
    ("04A1B2C7", "Peter Eriksson"),
    ("04A1B2C8", "Adam Johansson"),
    ("04A1B2C9", "Bengt Hilmersson"),
    ("04A1B2CA", "Dan Nyberg"),
]
DATA = "/var/lib/motesskylt"
# As the kiosk's user (files it creates stay the kiosk's); setpriv rather
# than runuser: no PAM session for each of the hundreds of commands (HOME
# and USER stay root's; nothing run this way reads them).
AS_KIOSK = "setpriv --reuid=motesskylt --regid=motesskylt --init-groups --"
STARTED = "Started motesskylt-kiosk.service"
FAILED = "Failed to start motesskylt-kiosk.service"
EVENT_IDS = f"{AS_KIOSK} sqlite3 -readonly -cmd '.timeout 10000' {DATA}/motesskylt.sqlite 'SELECT id FROM events'"
SAVED = re.compile(r"händelsen sparad id=([0-9a-f-]{36})")

failures = []


def ok(what):
    print(f"ok   {what}", flush=True)


def fail(what):
    print(f"FAIL {what}", flush=True)
    failures.append(what)


def check(condition, what, why=""):
    if condition:
        ok(what)
    else:
        fail(f"{what}{': ' + why if why else ''}")
    return condition


class Run:
    """One guest with the package installed and the kiosk configured."""

    def __init__(self, args, work, name="door1", guest=None):
        """A new guest in `work` (a blank data disk, the provisioning disk),
        or, given one, that guest."""
        self.args = args
        self.work = work
        self.bin = args.bin
        self.name = name
        if guest is None:
            data = os.path.join(work, "data.img")
            subprocess.run(["truncate", "-s", "256M", data], check=True)
            guest = Guest(args.arch, args.image, work, data,
                          extra_disks=[self.provision_disk()], rtc_base=RTC_BASE)
        self.guest = guest
        self.journal = {"started": 0, "failed": 0, "saved": set()}

    def provision_disk(self):
        """A read-only disk with what the IT person brings: the package and
        the notice."""
        folder = os.path.join(self.work, "provision")
        os.makedirs(folder)
        shutil.copy(self.args.deb, folder)
        shutil.copy(NOTICE, os.path.join(folder, "kallelse.md"))
        size_mb = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) // 2**20 + 32
        disk = os.path.join(self.work, "provision.img")
        subprocess.run(["mkfs.ext4", "-q", "-L", "motesskylt-prov", "-d", folder, disk, f"{size_mb}M"],
                       check=True)
        return disk

    def boot(self):
        started = self.guest.start()
        self.wait_up()
        return started

    def wait_up(self):
        """Until the guest answers and its data disk is mounted."""
        self.guest.wait_agent(600)
        self.wait_data()

    def wait_data(self, timeout=120):
        """The data disk mounted (after a cut its fsck comes first; with
        `nofail` nothing else waits for it), if the guide's fstab line is in."""
        self.sh(f"if grep -q motesskylt-data /etc/fstab; then for i in $(seq {timeout * 2}); do "
                f"mountpoint -q {DATA} && exit 0; sleep 0.5; done; exit 1; fi", timeout=timeout + 30)

    def cut_and_boot(self):
        """The plug pulled and put back; returns once the guest answers and
        its data disk is mounted."""
        self.guest.power_cut()
        self.wait_up()

    def cut_keeping_data(self, folder):
        """The plug pulled and put back, and a copy of the data disk taken
        in between (the machine paused: what the guest wrote is in the
        file, nothing more comes); returns the copy's path."""
        self.guest.qmp.command("stop")
        try:
            self.guest.power_cut()
            os.makedirs(folder, exist_ok=True)
            copy = os.path.join(folder, "data.img")
            subprocess.run(["cp", "--sparse=always", self.guest.data_disk, copy], check=True)
        finally:
            self.guest.qmp.command("cont")
        return copy

    def stop_keeping_clock(self):
        """Powers the guest off after a `sync`; its clock goes on from where
        it was at the next start (QEMU starts its clock anew)."""
        self.sh("sync")
        self.guest.rtc_base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.guest.agent.time_ns() / 1e9))
        self.guest.stop()

    def twin(self, name):
        """A second door: copies of this (stopped) guest's disks, the same
        installed system under a QEMU of its own."""
        folder = os.path.join(self.work, name)
        os.makedirs(folder)
        for disk in ("root.qcow2", "data.img"):
            subprocess.run(["cp", "--sparse=always", os.path.join(self.work, disk), folder], check=True)
        return Run(self.args, folder, name,
                   Guest(self.args.arch, self.args.image, folder, os.path.join(folder, "data.img"),
                         extra_disks=self.guest.extra_disks, rtc_base=self.guest.rtc_base))

    def sh(self, command, **kwargs):
        return self.guest.run(command, **kwargs)[1]

    def install(self):
        deb = os.path.basename(self.args.deb)
        self.sh("mkdir -p /mnt/provision && mount -o ro LABEL=motesskylt-prov /mnt/provision")
        # The guide: sudo apt install ./motesskylt-kiosk_…deb (no network here:
        # its dependencies are in the image, as on a Pi that has them).
        self.sh(f"cd /mnt/provision && DEBIAN_FRONTEND=noninteractive apt-get install -y ./{deb}",
                timeout=600)
        ok(f"apt install ./{deb} in the guest")
        # Guide section 11, steps 1 and 2: the data on a disk of its own.
        self.sh(f"""set -e
            mkfs.ext4 -q -L motesskylt-data /dev/vdb
            mount /dev/vdb /mnt && cp -a {DATA}/. /mnt/ && umount /mnt
            echo 'LABEL=motesskylt-data {DATA} ext4 defaults,noatime,nofail,x-systemd.device-timeout=90s 0 2' >>/etc/fstab
            systemctl daemon-reload
            mount {DATA}
            chown motesskylt:motesskylt {DATA} && chmod 0750 {DATA}
            mkdir -p /etc/systemd/system/motesskylt-kiosk.service.d
            printf '[Unit]\\nRequiresMountsFor={DATA}\\n' >/etc/systemd/system/motesskylt-kiosk.service.d/data.conf
            systemctl daemon-reload""")
        keyboard = self.sh("ls /dev/input/by-id/ | grep -- '-event-kbd$' | head -1").strip()
        check(keyboard, "the virtual USB keyboard is an input device", "no /dev/input/by-id/*-event-kbd")
        self.sh(f"""set -e
            install -m 0644 /mnt/provision/kallelse.md /etc/motesskylt/kallelse.md
            cat >/etc/motesskylt/kiosk.toml <<'EOF'
[kiosk]
data_dir = "{DATA}"
device = "vm-door"
notice = "/etc/motesskylt/kallelse.md"
[door]
pin = "{PIN}"
[reader]
kind = "wedge"
device = "/dev/input/by-id/{keyboard}"
wedge_format = "hex"
EOF
            chown root:motesskylt /etc/motesskylt/kiosk.toml && chmod 0640 /etc/motesskylt/kiosk.toml""")
        checked = self.sh(f"{AS_KIOSK} motesskylt kiosk --config /etc/motesskylt/kiosk.toml --check")
        check("i ordning" in checked, "kiosk --check on the VM's kiosk.toml", checked.strip())

    def register_cards(self):
        """Each card tapped, its name picked, the PIN: registered and
        checked in; then tapped twice more (after the double-tap seconds)
        to check out, so that a later tap checks in."""
        lines = []
        for uid, person in CARDS:
            lines += [f"card {uid}", f"pick {person}", f"pin {PIN}"]
        script = "; ".join(f"echo '{line}'" for line in lines)
        # "Tryck igen för att checka ut" for each, then the taps that check
        # out (the door remembers each person's last tap).
        every_card = " ".join(f"echo 'card {uid}';" for uid, _ in CARDS)
        out_taps = f"{every_card} sleep 2.5; {every_card}"
        # The headless kiosk reads the first lines only once it has started
        # (seconds under emulation): the checking out waits well past the
        # double-tap seconds. `next` opens the meeting (the chair's button):
        # the kiosk and `render --events` then follow the same log.
        self.sh(f"({script}; echo next; sleep 8; {out_taps} sleep 0.5; echo quit) | "
                f"{AS_KIOSK} motesskylt kiosk --config /etc/motesskylt/kiosk.toml --headless >/tmp/register.log",
                timeout=300)
        events = self.events()
        enrolled = {e["person"] for e in events if e["type"] == "card_enrolled"}
        check(enrolled == {p for _, p in CARDS}, f"{len(CARDS)} cards registered through the headless kiosk",
              f"registered: {sorted(enrolled)}")
        left = {e["person"] for e in events if e["type"] == "checked_out"}
        check(left == enrolled, "and checked out again (a tap now checks in)", f"checked out: {sorted(left)}")

    def events(self):
        """The store's event log (the kiosk's own JSON Lines export)."""
        text = self.sh(f"{AS_KIOSK} motesskylt export {DATA}")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def read_journal(self):
        """Takes in what the guest's journal (the host's copy of hvc0) says
        since the last read."""
        for line in self.guest.console_lines():
            self.journal["started"] += STARTED in line
            self.journal["failed"] += FAILED in line
            self.journal["saved"].update(SAVED.findall(line))

    def acknowledged(self):
        """The ids of every "händelsen sparad" line that reached the host."""
        self.read_journal()
        return set(self.journal["saved"])

    def kiosk_starts(self):
        """How often the journal says the kiosk's unit started: systemd says
        so once READY=1 came."""
        self.read_journal()
        return self.journal["started"]

    def kiosk_failures(self):
        """How often the journal says the kiosk's unit failed to start."""
        self.read_journal()
        return self.journal["failed"]

    def wait_started(self, starts, timeout=240):
        """Until the kiosk's unit has started more than `starts` times
        (read on the host: no command in a guest that is booting)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.kiosk_starts() > starts:
                return True
            time.sleep(0.2)
        return False

    def tap_until_saved(self, uid, tries=4):
        """Types a card until the kiosk says it saved an event (a tap may
        only ask "Tryck igen …"), each tap past the door's repeat seconds;
        returns the saved ids."""
        before = self.acknowledged()
        for attempt in range(tries):
            if attempt:
                time.sleep(2.5)
            self.guest.type_keys(uid + "\n")
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:
                saved = self.acknowledged() - before
                if saved:
                    return saved
                time.sleep(0.3)
        return set()

    def event_ids(self):
        return set(self.sh(EVENT_IDS).split())

    def unit(self):
        text = self.sh("systemctl show motesskylt-kiosk -p ActiveState,SubState,Type,NRestarts,MainPID,StatusText")
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def wait_active(self, timeout=180, restarts=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            unit = self.unit()
            if unit.get("ActiveState") == "active" and unit.get("SubState") == "running" and (
                    restarts is None or int(unit.get("NRestarts", 0)) >= restarts):
                return unit
            time.sleep(0.5)
        return None

    def guest_now(self):
        """The guest's clock as the meeting's local time (no time zone data
        in the guest is needed: the offset on 4 June is +02:00)."""
        return self.guest.agent.time_ns() / 1e9 + TZ_OFFSET_S

    def render(self, moment, out, screen="room", person=None, events=None):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))
        command = [self.bin, "render", NOTICE, "--at", stamp, "--out", out, "--screen", screen]
        if person:
            command += ["--person", person]
        if events is not None:
            log = out + ".events.jsonl"
            with open(log, "w") as f:
                f.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
            command += ["--events", log]
        subprocess.run(command, check=True, capture_output=True)
        return out

    def wait_drawn(self, timeout):
        """Screendumps until the kiosk has drawn (the host's monotonic time
        of it, or None): its anti-aliased text has hundreds of colours, the
        firmware's or the text console's screen a few."""
        deadline = time.monotonic() + timeout
        shot = os.path.join(self.work, "drawn.png")
        while time.monotonic() < deadline:
            self.guest.screendump(shot)
            at = time.monotonic()
            colours = subprocess.run(["identify", "-format", "%k", shot], capture_output=True, text=True)
            if colours.returncode == 0 and colours.stdout.strip().isdigit() and int(colours.stdout) > 64:
                return at
            time.sleep(0.2)
        return None

    def screen_matches(self, name, screen="room", person=None, timeout=60):
        """Screendumps until one equals the render of a moment the kiosk's
        clock can show (one of the last seconds of the guest's clock);
        returns the seconds it took, or None with the closest for a look."""
        started = time.monotonic()
        best = None
        while time.monotonic() - started < timeout:
            # The screen first: a greeting shows for five seconds only.
            shot = self.guest.screendump(os.path.join(self.work, f"{name}-screen.png"))
            now = self.guest_now()
            events = self.events()
            for back in (0, 1, 2, 3):
                moment = int(now) - back
                rendered = self.render(moment, os.path.join(self.work, f"{name}-render-{back}.png"),
                                       screen, person, events)
                diff = differing_pixels(shot, rendered)
                if best is None or diff < best[0]:
                    best = (diff, rendered, shot)
                if diff == 0:
                    return time.monotonic() - started, None
            time.sleep(0.5)
        return None, best


def differing_pixels(a, b):
    """Pixels that differ (ImageMagick's AE); every pixel when the sizes
    differ (a display not yet set to the kiosk's mode)."""
    done = subprocess.run(["compare", "-metric", "AE", a, b, "null:"], capture_output=True, text=True)
    try:
        return int(float(done.stderr.split()[0]))
    except (ValueError, IndexError):
        if "differ" in done.stderr:
            return 10**9
        raise SystemExit(f"compare {a} {b}: {done.stderr.strip()}")


def the_screen(run, name, what, screen="room", person=None, timeout=60):
    took, best = run.screen_matches(name, screen, person, timeout)
    if took is not None:
        ok(what)
    else:
        fail(f"{what}: {best[0]} pixels differ from the closest render ({best[1]}; the screen: {best[2]})")
    return took


def first_frame_and_ready(run):
    # `sync`: the IT person's setup is long on the card when a plug is
    # pulled; a cut seconds after `systemctl enable` may lose the link.
    run.sh("systemctl enable --now motesskylt-kiosk && sync", timeout=180)
    unit = run.wait_active(180)
    check(unit and unit.get("Type") == "notify", "the kiosk unit is active (Type=notify: READY=1 sent)",
          json.dumps(unit))
    the_screen(run, "first", "the first frame on virtio-gpu equals `motesskylt render` of its moment")
    # Power-on to first frame: the plug pulled and put back, the display
    # watched from that moment on.
    cut = time.monotonic()
    run.guest.power_cut()
    drawn = run.wait_drawn(180)
    if drawn is None:
        fail("after a power cut the kiosk's screen did not come back")
        return None
    ok(f"power-on to first frame: {drawn - cut:.1f} s (emulated {run.args.arch}, not a Pi)")
    run.wait_up()
    the_screen(run, "boot", "and the screen then equals `motesskylt render` of its moment")
    return drawn - cut


def tap(run):
    uid, person = CARDS[0]
    before = len(run.events())
    run.guest.type_keys(uid + "\n")
    deadline = time.monotonic() + 60
    events = []
    while time.monotonic() < deadline:
        events = run.events()[before:]
        if events:
            break
        time.sleep(0.3)
    check(any(e["type"] == "checked_in" and e["person"] == person and e.get("source") == "nfc"
              for e in events),
          f"a card typed on the USB keyboard checks {person} in (the event in the store)", json.dumps(events))
    the_screen(run, "welcome", "the greeting on the screendump equals the render of the greeting",
               screen="welcome", person=person, timeout=20)


def watchdog(run):
    unit = run.unit()
    pid, restarts = int(unit.get("MainPID", 0)), int(unit.get("NRestarts", 0))
    if not check(pid > 0, "the kiosk has a main process", json.dumps(unit)):
        return
    run.sh(f"kill -STOP {pid}")
    stopped = time.monotonic()
    unit = run.wait_active(180, restarts=restarts + 1)
    if not check(unit is not None, "kill -STOP: the watchdog restarts the kiosk"):
        return
    took = time.monotonic() - stopped
    check(25 <= took <= 90, f"restarted after {took:.0f} s (WatchdogSec=30)")
    journal = run.sh("journalctl -u motesskylt-kiosk --no-pager -o cat")
    check("Watchdog timeout" in journal and f"restart counter is at {restarts + 1}." in journal,
          "the journal names the watchdog and counts the restart")
    the_screen(run, "watchdog", "the screen is back after the restart")


def cut_loop(door, cuts, rng, starts):
    """`cuts` power cuts of one door (booted, its kiosk started `starts`
    times before); what was typed, acknowledged, found."""
    # Only what is acknowledged during the cuts counts.
    earlier = door.acknowledged()
    tally = {"typed": 0, "acknowledged": set(), "found": 0, "damaged": 0, "not back": 0}
    uids = [uid for uid, _ in CARDS]
    for number in range(1, cuts + 1):
        if not door.wait_started(starts):
            tally["not back"] += 1
            fail(f"{door.name} cut {number}: the kiosk did not come back by itself")
        # The plug pulled at a random moment while cards are typed: each
        # card twice, the second tap past the door's repeat seconds, so
        # that one of the two saves an event (a check-in, or the check-out
        # that the second confirms).
        cut_at = time.monotonic() + rng.uniform(0.3, 3.0)
        while time.monotonic() < cut_at:
            uid = rng.choice(uids)
            for gap in (rng.uniform(2.2, 3.0), rng.uniform(0.05, 0.5)):
                if time.monotonic() >= cut_at:
                    break
                door.guest.type_keys(uid + "\n")
                tally["typed"] += 1
                time.sleep(max(0.0, min(gap, cut_at - time.monotonic())))
        starts = door.kiosk_starts()
        # The disk as the cut left it, read on the host while the guest
        # boots: no command in the guest to slow its kiosk's start.
        store = door.cut_keeping_data(os.path.join(door.work, "cut"))
        acknowledged = door.acknowledged() - earlier
        problem, in_store = store_after_cut(store, door.bin)
        lost = acknowledged - in_store
        tally["acknowledged"], tally["found"] = acknowledged, len(acknowledged & in_store)
        if problem:
            tally["damaged"] += 1
            fail(f"{door.name} cut {number}: {problem}")
        elif lost:
            fail(f"{door.name} cut {number}: acknowledged and not in the store: {sorted(lost)}")
        if number % 10 == 0:
            print(f"     {door.name}: {number} cuts, {len(acknowledged)} events acknowledged, "
                  f"all found so far: {not lost}", flush=True)
    if not door.wait_started(starts):
        tally["not back"] += 1
    return tally


def store_after_cut(disk, binary):
    """What a boot finds on a data disk left by a power cut, read on the
    host: the file system's journal replayed as the guest's fsck does, the
    store's files copied out, `motesskylt store check` on them. Returns
    (the problem or None, the ids of the events in the store)."""
    fsck = subprocess.run(["e2fsck", "-p", disk], capture_output=True, text=True)
    # 0: clean, 1: errors corrected (a replayed journal is neither).
    if fsck.returncode > 1:
        return f"e2fsck -p (exit {fsck.returncode}): {(fsck.stdout + fsck.stderr).strip()}", set()
    folder = disk + ".files"
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    listing = subprocess.run(["debugfs", "-R", "ls -p /", disk], capture_output=True, text=True, check=True)
    names = [field.split("/")[5] for field in listing.stdout.split()
             if field.count("/") >= 6 and field.split("/")[5].startswith("motesskylt.sqlite")]
    for name in names:
        subprocess.run(["debugfs", "-R", f"dump /{name} {os.path.join(folder, name)}", disk],
                       capture_output=True, check=True)
    store = os.path.join(folder, "motesskylt.sqlite")
    if not os.path.exists(store):
        return f"no motesskylt.sqlite on the data disk (it holds: {names})", set()
    checked = subprocess.run([binary, "store", "check", folder], capture_output=True, text=True)
    if checked.returncode != 0:
        return f"store check: {(checked.stdout + checked.stderr).strip()}", set()
    with contextlib.closing(sqlite3.connect(store)) as db:
        return None, {row[0] for row in db.execute("SELECT id FROM events")}


class PowerCuts:
    """`cuts` power cuts shared by `doors` copies of a guest's disks, each
    a QEMU with one vCPU, in threads of their own; the guest copied is
    booted again for the checks that go on meanwhile. Two copies on this
    machine's two cores: three took as long a cut (each guest's boots
    slower by half)."""

    def __init__(self, run, cuts, seed, doors=2):
        self.cuts = cuts
        self.doors = max(1, min(doors, cuts))
        run.stop_keeping_clock()
        self.twins = [run.twin(f"door{number}") for number in range(2, self.doors + 2)]
        self.tallies = [None] * self.doors
        self.began = time.monotonic()
        self.threads = [threading.Thread(target=self.door, args=(index, seed), daemon=True)
                        for index in range(self.doors)]
        for thread in self.threads:
            thread.start()
        try:
            run.boot()
        except Exception:
            self.stop()
            raise

    def door(self, index, seed):
        twin = self.twins[index]
        twin.guest.smp = 1
        try:
            starts = twin.kiosk_starts()
            twin.boot()
            share = self.cuts // self.doors + (1 if index < self.cuts % self.doors else 0)
            self.tallies[index] = cut_loop(twin, share, random.Random(seed + index), starts)
        except Exception as e:  # a thread's error would otherwise only be printed
            fail(f"{twin.name}: {type(e).__name__}: {e}")
        finally:
            twin.guest.stop()

    def stop(self):
        """Ends the cuts at once (another check failed): the copies are
        powered off, and each thread, its guest gone, ends."""
        for twin in self.twins:
            twin.guest.stop()
        for thread in self.threads:
            thread.join()

    def check(self):
        """Waits for the cuts and checks their tally."""
        for thread in self.threads:
            thread.join()
        if None in self.tallies:
            return
        tallies = self.tallies
        acknowledged = sum(len(t["acknowledged"]) for t in tallies)
        found = sum(t["found"] for t in tallies)
        damaged = sum(t["damaged"] for t in tallies)
        not_back = sum(t["not back"] for t in tallies)
        report = (f"power cuts: {self.cuts} ({self.doors} guests at once); cards typed: "
                  f"{sum(t['typed'] for t in tallies)}; events acknowledged: {acknowledged}; "
                  f"found: {found}; lost: {acknowledged - found}; stores damaged: {damaged}; "
                  f"kiosk not back: {not_back}; {(time.monotonic() - self.began) / self.cuts:.1f} s a cut")
        # Each guest must have saved something, or its cuts proved nothing.
        check(found == acknowledged and all(t["acknowledged"] for t in tallies)
              and damaged == 0 and not_back == 0, report)


def read_only_root(run):
    """Guide section 11, step 4: overlayroot with recurse=0."""
    uid = CARDS[1][0]
    run.sh("touch /etc/motesskylt/before-overlay")
    run.stop_keeping_clock()
    run.guest.append = "overlayroot=tmpfs:recurse=0"
    run.guest.initrd = "initrd.img"
    run.boot()
    root = run.sh("findmnt -n -o FSTYPE /").strip()
    data = run.sh(f"findmnt -n -o FSTYPE,OPTIONS {DATA}").split()
    check(root == "overlay", "with overlayroot=tmpfs:recurse=0 the root is an overlay", root)
    check(data[:1] == ["ext4"] and data[1:2] and data[1].startswith("rw,"),
          f"and {DATA} is the data disk, writable", " ".join(data))
    if run.wait_active(240) is None:
        fail("the kiosk did not start on the read-only root")
        return
    saved = run.tap_until_saved(uid)
    # Synced: without the overlay these would be on the disk after the cut.
    run.sh("touch /etc/motesskylt/during-overlay /var/tmp/during-overlay && sync")
    run.cut_and_boot()
    check(saved and saved <= run.event_ids(), "a tap on the read-only root is kept across a power cut",
          f"saved {sorted(saved)}")
    code, _ = run.guest.run("test ! -e /etc/motesskylt/during-overlay && test ! -e /var/tmp/during-overlay "
                            "&& test -e /etc/motesskylt/before-overlay", check=False)
    check(code == 0, "what was written outside the data disk is gone after the reboot, the root as before")
    check(run.wait_active(240) is not None, "the kiosk comes back on the read-only root")


def broken_units(run):
    """The checks above must fail on a broken unit: a data folder the unit
    may not write, a reader its user may not open. Each is undone and the
    same check passes again. The card's person is out (registered, then
    checked out), so that one tap checks them in where the unit is sound."""
    uid = CARDS[2][0]
    dropin = "/etc/systemd/system/motesskylt-kiosk.service.d/broken.conf"
    failed = run.kiosk_failures()
    run.sh(f"printf '[Service]\\nReadOnlyPaths={DATA}\\n' >{dropin}; "
           "systemctl daemon-reload; systemctl restart motesskylt-kiosk || true")
    # It cannot open its store: it ends, and systemd tries again and again.
    deadline = time.monotonic() + 30
    while run.kiosk_failures() == failed and time.monotonic() < deadline:
        time.sleep(0.3)
    check(run.kiosk_failures() > failed, "with ReadOnlyPaths on the data, the kiosk does not start (the journal says so)")
    check(not run.tap_until_saved(uid, tries=1),
          "with ReadOnlyPaths on the data, the tap check fails (nothing saved)")
    run.sh(f"rm {dropin}; gpasswd -d motesskylt input >/dev/null; systemctl daemon-reload; "
           "systemctl restart motesskylt-kiosk")
    check(run.wait_active(60) is not None, "without the input group the kiosk runs (its screen)")
    check(not run.tap_until_saved(uid, tries=1),
          "without the input group, the tap check fails (the reader cannot be opened)")
    run.sh("adduser motesskylt input >/dev/null; systemctl restart motesskylt-kiosk")
    run.wait_active(60)
    check(run.tap_until_saved(uid), "both undone, a tap is saved again")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default="amd64", choices=["amd64", "arm64"])
    parser.add_argument("--deb", required=True)
    parser.add_argument("--bin", required=True, help="the host's motesskylt, for render")
    parser.add_argument("--image", help="the image folder (default: image.sh ARCH)")
    parser.add_argument("--cuts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    # QEMU and the tools, also when the image is already cached.
    subprocess.run([os.path.join(here, "setup.sh"), args.arch], check=True)
    if not args.image:
        args.image = subprocess.run([os.path.join(here, "image.sh"), args.arch], check=True,
                                    stdout=subprocess.PIPE, text=True).stdout.split()[-1]
    work = tempfile.mkdtemp(prefix=f"motesskylt-vm-{args.arch}-")
    print(f"cross/vm/system-test.py: {args.arch} guest in {work} (seed {args.seed})", flush=True)
    run = Run(args, work)
    cuts = None
    try:
        started = run.boot()
        ok(f"{args.arch} guest up (guest agent answering) in {time.monotonic() - started:.1f} s")
        run.install()
        run.register_cards()
        first_frame_and_ready(run)
        tap(run)
        if args.arch == "amd64":
            # The cuts on copies of this guest; the rest here meanwhile.
            cuts = PowerCuts(run, args.cuts, args.seed) if args.cuts else None
            if run.wait_active(240) is None:
                fail("the kiosk did not start again after its guest was copied")
            watchdog(run)
            read_only_root(run)
            broken_units(run)
        nics = run.sh("ls /sys/class/net").split()
        check(nics == ["lo"], "the guest has no network but loopback", " ".join(nics))
        run.guest.stop()  # its copies may still be cut: their cores
        if cuts:
            cuts.check()
            cuts = None
    except GuestError as e:
        fail(str(e))
    finally:
        try:
            if cuts:
                cuts.stop()
        finally:
            run.guest.stop()
    if failures:
        print(f"cross/vm/system-test.py: {len(failures)} check(s) failed; the run is kept in {work}")
        sys.exit(1)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"cross/vm/system-test.py: the {args.arch} guest passed every check")


if __name__ == "__main__":
    main()
