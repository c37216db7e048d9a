"""A DUT booted in QEMU: process control and QMP only. The console and the
link are the shared drivers, so a test never knows it drives an emulator.

QEMU starts paused (-S); the harness takes QMP and the console first, then
lets the guest run, so not one byte of the boot is missed. QEMU's stderr goes
to its own log, never into the console transcript."""

from __future__ import annotations

import shlex
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from qemu.qmp import QMPError
from qemu.qmp.legacy import QEMUMonitorProtocol

from harness.config.models import QemuDut
from harness.drivers.console import SerialConsole, opened
from harness.drivers.link import FrameRecorder, UdpDatagramLink
from harness.errors import BootError, ConsoleError, ConsoleTimeout, LinkError, MachineError
from harness.process import die_with_parent

QMP_ACCEPT_TIMEOUT_S = 20.0
QMP_COMMAND_TIMEOUT_S = 10.0
QUIT_TIMEOUT_S = 10.0
START_ATTEMPTS = 3  # a picked port can be taken before QEMU binds it
NETDEV_ID = "n0"
PDN_NETDEV_ID = "pdn0"


@dataclass(frozen=True)
class CellularWiring:
    """Where the emulated cellular module and network listen for a QEMU unit:
    the module's AT port (the guest's second serial port) and the PDN's UDP
    endpoints for the unit's cellular-pdn interface (its own, the network's)."""

    modem_port: int
    pdn_local_port: int
    pdn_remote_port: int


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def store_drive_args(path: Path, size_mb: int) -> list[str]:
    """QEMU arguments for a unit's persistent store: a raw virtio disk, made
    empty (all zeros) the first time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        with path.open("wb") as handle:
            handle.truncate(size_mb << 20)
    return ["-drive", f"file={path},format=raw,if=virtio"]


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


class QemuMachine:
    def __init__(self, dut: QemuDut, workdir: Path, recorder: FrameRecorder, extra_args: list[str] | None = None,
                 cellular: CellularWiring | None = None):
        self.dut = dut
        self.extra_args = extra_args or []  # devices the lab adds (the unit's store drive)
        self.cellular = cellular  # without it, a cellular-pdn interface stays out of the guest
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stderr_log = workdir / "qemu-stderr.log"
        self.capture_path = workdir / "qemu-filter-dump.pcap"
        self.transcript_path = workdir / "console.log"
        self.link = UdpDatagramLink(recorder)
        self.console: SerialConsole | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._qmp: QEMUMonitorProtocol | None = None
        self._socket_dir = tempfile.TemporaryDirectory(prefix="hx-qmp-")
        self._stopping = threading.Event()
        self.boot_seconds: float | None = None

    # -- command line ------------------------------------------------------
    def command(self, console_port: int, netdev_port: int, qmp_path: Path) -> list[str]:
        dut = self.dut
        cmd = [dut.binary, "-machine", dut.machine, "-m", str(dut.memory_mb)]
        for accel in dut.accel:
            cmd += ["-accel", accel]
        cmd += ["-nodefaults", "-nographic", "-no-reboot", "-S"]
        if dut.kernel:
            cmd += ["-kernel", str(dut.kernel), "-append", f"{dut.console_args} {dut.kernel_args}".strip()]
        if dut.initrd:
            cmd += ["-initrd", str(dut.initrd)]
        if dut.disk:
            cmd += ["-drive", f"file={dut.disk},format=raw,if=virtio,snapshot=on"]
        cmd += [
            "-chardev", f"socket,id=con0,host=127.0.0.1,port={console_port},server=on,wait=off",
            "-serial", "chardev:con0",
            "-qmp", f"unix:{qmp_path}",
            "-netdev",
            f"dgram,id={NETDEV_ID},local.type=inet,local.host=127.0.0.1,local.port={netdev_port},"
            f"remote.type=inet,remote.host=127.0.0.1,remote.port={self.link.port}",
            # romfile= skips the iPXE option ROM: the DUT boots its kernel directly.
            "-device", f"{dut.lab_nic.model},netdev={NETDEV_ID},mac={dut.lab_nic.mac},romfile=",
            "-object", f"filter-dump,id=cap0,netdev={NETDEV_ID},file={self.capture_path}",
            *self._cellular_args(),
            *self.extra_args,
            *dut.extra_args,
        ]
        return cmd

    def _cellular_args(self) -> list[str]:
        """The module's AT port as the second serial port, and the unit's
        cellular-pdn interface on the emulated network's PDN."""
        wiring, pdn = self.cellular, self.dut.nic("cellular-pdn")
        if wiring is None:
            return []
        args = ["-chardev", f"socket,id=modem0,host=127.0.0.1,port={wiring.modem_port},reconnect=1",
                "-serial", "chardev:modem0"]
        if pdn is not None:
            args += [
                "-netdev", f"dgram,id={PDN_NETDEV_ID},local.type=inet,local.host=127.0.0.1,local.port={wiring.pdn_local_port},"
                           f"remote.type=inet,remote.host=127.0.0.1,remote.port={wiring.pdn_remote_port}",
                "-device", f"{pdn.model},netdev={PDN_NETDEV_ID},mac={pdn.mac},romfile=",
            ]
        return args

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        """Start QEMU and wait until the console shows the ready pattern."""
        for attempt in range(1, START_ATTEMPTS + 1):
            if self._launch():
                break
            if attempt == START_ATTEMPTS or "in use" not in _tail(self.stderr_log):
                raise MachineError(f"QEMU did not start; stderr:\n{_tail(self.stderr_log)}")
        if self._stopping.is_set():  # stopped from another thread while it launched
            self.stop()
            raise MachineError("QEMU was stopped while it started")
        self.console = SerialConsole(f"socket://127.0.0.1:{self._console_port}", self.transcript_path,
                                     machine_failure=self._link_failure)
        started = time.monotonic()
        self._qmp_cmd("cont")
        self.wait_ready()
        self.boot_seconds = time.monotonic() - started

    def _launch(self) -> bool:
        """One attempt to start QEMU paused and take its QMP connection."""
        self._console_port = _free_port(socket.SOCK_STREAM)
        netdev_port = _free_port(socket.SOCK_DGRAM)
        # AF_UNIX paths are limited to 108 bytes: keep the socket out of the
        # (possibly deep) evidence folder.
        qmp_path = Path(self._socket_dir.name) / "qmp.sock"
        qmp_path.unlink(missing_ok=True)
        self._qmp = QEMUMonitorProtocol(str(qmp_path), server=True)  # QEMU connects to us
        cmd = self.command(self._console_port, netdev_port, qmp_path)
        (self.workdir / "qemu-cmdline.sh").write_text("#!/bin/sh\n# Start this DUT by hand, as the harness did.\n" + shlex.join(cmd) + "\n")
        self.link.connect_peer(netdev_port)
        with self.stderr_log.open("ab") as stderr:
            try:
                self._process = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, preexec_fn=die_with_parent
                )
            except OSError as exc:
                raise MachineError(f"cannot run {cmd[0]}: {exc}") from exc
        try:
            self._qmp.accept(QMP_ACCEPT_TIMEOUT_S)
        except (QMPError, OSError, TimeoutError) as exc:
            self._reap()
            if self._process and self._process.returncode not in (None, 0):
                return False
            raise MachineError(f"QEMU never connected to QMP within {QMP_ACCEPT_TIMEOUT_S} s: {exc}") from exc
        self._qmp.settimeout(QMP_COMMAND_TIMEOUT_S)
        threading.Thread(target=self._watch, args=(self._process,), name=f"qemu watchdog {self._process.pid}", daemon=True).start()
        return True

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """QEMU exiting on its own (killed, crashed, the guest powered off)
        fails the link at once: no frame can come, and a test waiting for
        one is broken now, not failed at its timeout."""
        status = process.wait()
        if not self._stopping.is_set():
            self.link.recorder.fail(LinkError(f"QEMU exited unexpectedly (status {status}); stderr:\n{_tail(self.stderr_log)}"))

    def failure(self) -> str | None:
        """Why this machine cannot serve a test any more, or None."""
        if self._process is not None and self._process.poll() is not None and not self._stopping.is_set():
            return f"QEMU exited (status {self._process.returncode})"
        if self.link.closed and not self._stopping.is_set():
            return f"link udp:{self.link.port} died: its socket was closed"
        return None

    def _link_failure(self) -> str | None:
        """What ends a console wait besides the console itself: QEMU gone or its link dead."""
        recorder_failure = self.link.recorder.failure
        return self.failure() or (str(recorder_failure) if recorder_failure is not None else None)

    def wait_ready(self, since_mark: bool = False) -> None:
        console = opened(self.console)
        try:
            console.expect(self.dut.ready_pattern, self.dut.boot_timeout_s)
        except ConsoleTimeout as exc:
            state = "QEMU exited" if self._process and self._process.poll() is not None else "QEMU running"
            raise BootError(
                f"DUT not ready within {self.dut.boot_timeout_s} s ({state}); console tail:\n{exc.tail}\n"
                f"QEMU stderr:\n{_tail(self.stderr_log)}"
            ) from exc
        except ConsoleError as exc:
            raise BootError(f"console lost during boot: {exc}\nQEMU stderr:\n{_tail(self.stderr_log)}") from exc

    def reset(self) -> None:
        """Hard reset, then wait for the ready pattern again."""
        console = opened(self.console)
        console.mark()
        # -no-reboot makes any reset a shutdown, so a guest that reboots on
        # its own shows up as an exit. Allow resets until this one has
        # finished (measured: restoring the action right after system_reset
        # still made QEMU 7.2 exit).
        self._qmp_cmd("set-action", reboot="reset")
        try:
            self._qmp_cmd("system_reset")
            self.wait_ready()
        finally:
            self._qmp_cmd("set-action", reboot="shutdown")

    def set_link(self, up: bool) -> None:
        """Carrier down/up on the emulated NIC, as unplugging the cable would."""
        self._qmp_cmd("set_link", name=NETDEV_ID, up=up)

    def _qmp_cmd(self, command: str, **args: object) -> object:
        if self._qmp is None:
            raise MachineError("QMP not connected")
        try:
            return self._qmp.cmd(command, **args)
        except (QMPError, OSError, TimeoutError) as exc:
            raise MachineError(f"QMP {command} failed: {exc}; QEMU stderr:\n{_tail(self.stderr_log)}") from exc

    def stop(self) -> None:
        """Quit QEMU (QMP quit, then SIGKILL if it lingers) and close every
        channel. Safe to call twice and after a failed start."""
        self._stopping.set()
        if self._qmp is not None and self._process is not None and self._process.poll() is None:
            try:
                self._qmp.cmd("quit")
            except Exception:
                pass  # QEMU may close QMP before answering; the wait below decides
        self._reap()
        for closer in (self._close_qmp, self._close_console, self.link.close, self._socket_dir.cleanup):
            try:
                closer()
            except Exception:
                pass

    def _reap(self) -> None:
        if self._process is None:
            return
        try:
            self._process.wait(QUIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(QUIT_TIMEOUT_S)

    def _close_qmp(self) -> None:
        if self._qmp is not None:
            qmp, self._qmp = self._qmp, None
            qmp.close()

    def _close_console(self) -> None:
        if self.console is not None:
            self.console.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __enter__(self) -> "QemuMachine":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
