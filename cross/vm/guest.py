"""A Debian guest under QEMU (software emulation), driven from the host.

`Guest` starts `qemu-system-x86_64` or `qemu-system-aarch64` on the base
image of `image.sh` (through a copy-on-write overlay: the cached image is
never written), with a virtio-gpu display, a USB keyboard (the wedge card
reader), a virtio disk for the data and one for what the test brings in,
no network at all, and three channels to the host:

- QMP (`Qmp`): screenshots, key presses, the power switch (`system_reset`);
- QEMU's guest agent (`Agent`): runs commands in the guest;
- the virtio console hvc0, a file on the host: the guest's journal, line
  by line as it is written (`journald.conf` in guest/), the kiosk's
  "händelsen sparad" among it.
"""

import base64
import json
import os
import socket
import subprocess
import threading
import time

ARCHES = {
    "amd64": {
        "qemu": "qemu-system-x86_64",
        # Every second of a boot counts a hundred times in the power-cut
        # test: qemu64 rather than max (a third less boot time under
        # emulation), with RDRAND so that the kernel's random pool is ready
        # at once (systemd and dbus wait for it otherwise); none of q35's
        # SMBus, SATA or PS/2 controllers (nothing uses them: the USB
        # keyboard is the only one); qboot rather than SeaBIOS.
        "machine": ["-M", "q35,smbus=off,sata=off,i8042=off", "-cpu", "qemu64,+rdrand",
                    "-bios", "qboot.rom"],
        "append": "random.trust_cpu=on",
        "console": "ttyS0",
    },
    "arm64": {
        # The Raspberry Pi 4's cores.
        "qemu": "qemu-system-aarch64",
        "machine": ["-M", "virt", "-cpu", "cortex-a72"],
        "append": "",
        "console": "ttyAMA0",
    },
}


class GuestError(Exception):
    """The guest did not do what was asked in time."""


class Qmp:
    """QEMU's machine protocol on a unix socket."""

    def __init__(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise GuestError(f"QMP socket {path} does not answer")
                time.sleep(0.05)
        self.file = self.sock.makefile("rwb", buffering=0)
        self._read()  # the greeting
        self.command("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise GuestError("QEMU closed its QMP socket")
            message = json.loads(line)
            if "event" not in message:
                return message

    def command(self, name, **arguments):
        request = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self.file.write(json.dumps(request).encode() + b"\n")
        answer = self._read()
        if "error" in answer:
            raise GuestError(f"QMP {name}: {answer['error'].get('desc')}")
        return answer.get("return")


class Agent:
    """QEMU's guest agent (qemu-ga in the guest) on a unix socket."""

    def __init__(self, path):
        self.path = path
        self.sock = None

    def _connect(self):
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(self.path)
            self.file = self.sock.makefile("rwb", buffering=0)

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _send(self, name, arguments=None, prefix=b""):
        request = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self.file.write(prefix + json.dumps(request).encode() + b"\n")

    def _message(self):
        """The next message on the channel, past blank lines and the 0xff
        delimiter of `guest-sync-delimited`."""
        while True:
            line = self.file.readline()
            if not line:
                raise OSError("the guest agent's channel closed")
            line = line.lstrip(b"\xff").strip()
            if line:
                return json.loads(line)

    def _call(self, name, timeout, **arguments):
        self._connect()
        self.sock.settimeout(timeout)
        try:
            self._send(name, arguments)
            answer = self._message()
        except OSError as e:
            self.close()
            raise GuestError(f"guest agent {name}: {e or 'no answer in time'}")
        if "error" in answer:
            raise GuestError(f"guest agent {name}: {answer['error'].get('desc')}")
        return answer.get("return")

    def sync(self, timeout, alive=lambda: True):
        """Waits until the agent answers (after a boot: the channel may
        hold a half message of the last one, hence the 0xff delimiter).
        Each try has its own token, so a late answer to an earlier one is
        read and passed over, never taken for another command's."""
        deadline = time.monotonic() + timeout
        token = int(time.time() * 1000) % 2**31
        while time.monotonic() < deadline:
            if not alive():
                raise GuestError("QEMU ended (its messages: qemu.log in the run folder)")
            token += 1
            try:
                self._connect()
                self.sock.settimeout(2)
                self._send("guest-sync-delimited", {"id": token}, prefix=b"\xff")
                while self._message().get("return") != token:
                    pass
                return
            except (OSError, ValueError):
                self.close()
                time.sleep(0.5)
        raise GuestError(f"the guest agent did not answer in {timeout} s")

    def run(self, command, timeout=120, stdin=None, check=True):
        """Runs `command` (a shell line) as root; returns (code, output)."""
        arguments = {"path": "/bin/sh", "arg": ["-c", command], "capture-output": True}
        if stdin is not None:
            arguments["input-data"] = base64.b64encode(stdin.encode()).decode()
        pid = self._call("guest-exec", 30, **arguments)["pid"]
        deadline = time.monotonic() + timeout
        while True:
            status = self._call("guest-exec-status", 30, pid=pid)
            if status.get("exited"):
                break
            if time.monotonic() > deadline:
                raise GuestError(f"in the guest, still running after {timeout} s: {command}")
            time.sleep(0.2)
        out = base64.b64decode(status.get("out-data", "")).decode(errors="replace")
        err = base64.b64decode(status.get("err-data", "")).decode(errors="replace")
        code = status.get("exitcode", -1)
        if check and code != 0:
            raise GuestError(f"in the guest, exit {code}: {command}\n{out}{err}")
        return code, out + err

    def time_ns(self):
        """The guest's wall clock (ns since 1970)."""
        return self._call("guest-get-time", 10)


class Guest:
    """One running guest. `run_dir` holds its overlay, sockets and logs."""

    def __init__(self, arch, image_dir, run_dir, data_disk, extra_disks=(), rtc_base=None,
                 append="", smp=2, memory_mb=1024, width=800, height=480):
        self.arch = arch
        self.image_dir = image_dir
        self.run_dir = run_dir
        self.data_disk = data_disk
        self.extra_disks = list(extra_disks)
        self.rtc_base = rtc_base
        self.append = append
        # image.sh's small initramfs; "initrd.img" is initramfs-tools' own
        # (the read-only root's overlay is made by its script).
        self.initrd = "initrd-small.img"
        self.smp = smp
        self.memory_mb = memory_mb
        self.size = (width, height)
        self.overlay = os.path.join(run_dir, "root.qcow2")
        self.console_log = os.path.join(run_dir, "hvc0.log")
        self._console_read = 0
        self._stopping = threading.Lock()
        self.serial_log = os.path.join(run_dir, "serial.log")
        self.process = None
        self.qmp = None
        self.agent = Agent(os.path.join(run_dir, "qga.sock"))
        if not os.path.exists(self.overlay):
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                            os.path.join(image_dir, "root.img"), self.overlay], check=True)

    def command_line(self):
        spec = ARCHES[self.arch]
        width, height = self.size
        # The kernel unpacked by image.sh where there is one (amd64: its
        # PVH entry); QEMU unpacks an arm64 one itself.
        kernel = os.path.join(self.image_dir, "vmlinux")
        if not os.path.exists(kernel):
            kernel = os.path.join(self.image_dir, "vmlinuz")
        line = [spec["qemu"], *spec["machine"], "-accel", "tcg", "-smp", str(self.smp),
                "-m", str(self.memory_mb), "-nodefaults", "-display", "none", "-nic", "none",
                "-kernel", kernel,
                "-initrd", os.path.join(self.image_dir, self.initrd),
                "-append", f"root=LABEL=motesskylt-root ro console={spec['console']} "
                           # Emulated mitigations and the crypto self-tests
                           # only cost boot time here.
                           f"quiet mitigations=off cryptomgr.notests {spec['append']} {self.append}".strip(),
                "-drive", f"file={self.overlay},if=virtio,format=qcow2,cache=writeback",
                "-drive", f"file={self.data_disk},if=virtio,format=raw,cache=writeback"]
        for disk in self.extra_disks:
            line += ["-drive", f"file={disk},if=virtio,format=raw,readonly=on"]
        line += ["-device", f"virtio-gpu-pci,xres={width},yres={height}",
                 "-device", "qemu-xhci,id=xhci", "-device", "usb-kbd,id=wedge",
                 "-device", "virtio-serial-pci",
                 "-chardev", f"socket,id=qga,path={self.agent.path},server=on,wait=off",
                 "-device", "virtserialport,chardev=qga,name=org.qemu.guest_agent.0",
                 "-chardev", f"file,id=hvc,path={self.console_log},append=on",
                 "-device", "virtconsole,chardev=hvc",
                 "-chardev", f"file,id=serial,path={self.serial_log},append=on",
                 "-serial", "chardev:serial",
                 "-qmp", f"unix:{os.path.join(self.run_dir, 'qmp.sock')},server=on,wait=off"]
        if self.rtc_base:
            line += ["-rtc", f"base={self.rtc_base},clock=host"]
        return line

    def start(self):
        """Powers the guest on; returns the host's monotonic time of it."""
        self.process = subprocess.Popen(self.command_line(), stdin=subprocess.DEVNULL,
                                        stdout=open(os.path.join(self.run_dir, "qemu.log"), "ab"),
                                        stderr=subprocess.STDOUT)
        started = time.monotonic()
        self.qmp = Qmp(os.path.join(self.run_dir, "qmp.sock"))
        return started

    def wait_agent(self, timeout=300):
        self.agent.sync(timeout, alive=lambda: self.process.poll() is None)

    def run(self, command, **kwargs):
        return self.agent.run(command, **kwargs)

    def screendump(self, path):
        """The display as PNG (QEMU writes it before it answers)."""
        self.qmp.command("screendump", filename=path, format="png")
        return path

    def type_keys(self, text):
        """Types `text` (digits, a-f, "\\n") on the keyboard, as a wedge
        reader does: each key down and up, then the next, on the USB
        keyboard (the machine has no other)."""
        names = {"\n": "ret"}
        for char in text:
            key = {"type": "qcode", "data": names.get(char, char.lower())}
            self.qmp.command("input-send-event",
                             events=[{"type": "key", "data": {"down": True, "key": key}}])
            time.sleep(0.01)
            self.qmp.command("input-send-event",
                             events=[{"type": "key", "data": {"down": False, "key": key}}])
            time.sleep(0.01)

    def power_cut(self):
        """Pulls the plug and puts it back: the machine starts from its
        firmware; what the guest had in memory, its page cache included, is gone."""
        self.agent.close()
        self.qmp.command("system_reset")

    def console_lines(self):
        """The whole lines the guest wrote to hvc0 since the last call (its
        journal grows by megabytes over a hundred boots: read once)."""
        try:
            with open(self.console_log, "rb") as f:
                f.seek(self._console_read)
                text = f.read()
        except FileNotFoundError:
            return []
        whole = text.rfind(b"\n") + 1
        self._console_read += whole
        return text[:whole].decode(errors="replace").splitlines()

    def stop(self):
        """Powers the guest off (QMP `quit`, then a kill); nothing when it
        is off. A test's threads may call it at once."""
        with self._stopping:
            self._stop()

    def _stop(self):
        if self.process is None:
            return
        try:
            if self.qmp is not None:
                self.qmp.command("quit")
        except (GuestError, OSError):
            pass
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.agent.close()
        self.process = None
        self.qmp = None
