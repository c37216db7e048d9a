"""A DUT on a place of a labgrid lab: the place is leased from the
coordinator for the session, and the serial port and network interface it
exports are driven exactly as a bench unit's (BenchMachine). The lease is
checked before every test (a lost lock, an offline exporter: `broken`) and
released however the session ends."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from harness.config.models import BenchDut, LabgridDut, SerialPort
from harness.drivers.console import SerialConsole
from harness.drivers.labgrid_place import ExportedResource, LabgridPlace
from harness.drivers.link import FrameRecorder, Link
from harness.drivers.machine import BenchMachine
from harness.errors import MachineError

SERIAL_SCHEMES = {"raw": "socket", "rfc2217": "rfc2217"}
INTERFACE_CLASSES = ("RemoteNetworkInterface", "NetworkInterface")
# An exported interface is only metadata; frames need it on this host (a
# remote one would need labgrid's SSH and sudo helpers).
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", socket.gethostname()}


def _one(resources: list[ExportedResource], classes: tuple[str, ...], place: str) -> ExportedResource:
    found = [r for r in resources if r.cls in classes]
    if len(found) != 1:
        raise MachineError(f"labgrid place {place}: expected one {' or '.join(classes)}, it exports {len(found)}")
    return found[0]


class LabgridMachine:
    def __init__(self, dut: LabgridDut, workdir: Path, recorder: FrameRecorder):
        self.dut = dut
        self.workdir = workdir
        self.recorder = recorder
        self.place = LabgridPlace(dut.coordinator, dut.place, dut.tags, dut.acquire_timeout_s)
        self._bench: BenchMachine | None = None
        self.boot_seconds: float | None = None

    @property
    def console(self) -> SerialConsole | None:
        return self._bench.console if self._bench else None

    @property
    def link(self) -> Link:
        if self._bench is None:
            raise MachineError("labgrid DUT: no link before its place is acquired")
        return self._bench.link

    def bench_dut(self, resources: list[ExportedResource]) -> BenchDut:
        """What the place exports, as a bench unit's description."""
        name = self.place.name or "?"
        serial = _one(resources, ("NetworkSerialPort",), name)
        protocol = serial.args.get("protocol", "rfc2217")
        if protocol not in SERIAL_SCHEMES:
            raise MachineError(f"labgrid place {name}: serial protocol {protocol!r} is neither raw nor rfc2217")
        interface = _one(resources, INTERFACE_CLASSES, name)
        host = interface.args.get("host", "127.0.0.1")
        if host not in LOCAL_HOSTS:
            raise MachineError(
                f"labgrid place {name}: its interface {interface.args.get('ifname')} is on {host}; "
                "run the campaign on that host (remote interfaces need labgrid's SSH forwarding)"
            )
        url = f"{SERIAL_SCHEMES[protocol]}://{serial.args['host']}:{serial.args['port']}"
        return BenchDut(
            kind="bench", serial=SerialPort(url=url, baudrate=serial.args.get("speed", 115200)),
            interface=interface.args["ifname"], mac=self.dut.mac,
            ready_pattern=self.dut.ready_pattern, boot_timeout_s=self.dut.boot_timeout_s,
        )

    def start(self) -> None:
        try:
            self._bench = BenchMachine(self.bench_dut(self.place.acquire()), self.workdir, self.recorder)
            started = time.monotonic()
            self._bench.start()
            self.boot_seconds = time.monotonic() - started
        except BaseException:
            self.stop()
            raise

    def reset(self) -> None:
        raise MachineError("labgrid DUT: no power control is driven yet; declare a link_restart command")

    def failure(self) -> str | None:
        return self.place.failure()

    def stop(self) -> None:
        """Close the console and link, then always release the place."""
        try:
            if self._bench is not None:
                self._bench.stop()
        finally:
            self.place.release()
