"""The cellular side of a lab, opened once per session: the module's AT
channel, the callbox driver, the NAS trace sink and - in CI - the emulated
module and network with the QEMU arguments that wire the DUT to them."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from harness.config import LabConfig
from harness.drivers.at_dialects import DIALECTS
from harness.drivers.emulator_processes import CellularEmulators
from harness.drivers.modem import ATChannel
from harness.drivers.nas_trace import NasTraceRecorder
from harness.drivers.qemu import CellularWiring
from harness.errors import HarnessError
from harness.evidence.atomic import write_atomically, write_text_atomically
from harness.instruments.callbox import Callbox
from harness.instruments.cmw import DRIVERS
from harness.instruments.emulated_cmw import EmulatedCmwCallbox
from harness.instruments.scpi import ScpiInstrument

@dataclass
class CellularLab:
    modem: ATChannel
    callbox: Callbox
    trace: NasTraceRecorder
    workdir: Path
    emulators: CellularEmulators | None = None
    wiring: CellularWiring | None = None  # for a QEMU unit, with the emulators

    @property
    def user_plane_pcap(self) -> Path | None:
        """The PGW side of the PDN's user plane, where the lab records it."""
        return None if self.emulators is None else self.emulators.user_plane_pcap

    def failure(self) -> str | None:
        """Why the cellular lab cannot serve a test any more, or None."""
        if self.emulators is not None and (reason := self.emulators.failure()):
            return reason
        return self.modem.failure or self.trace.failure

    def write_slices(self, folder: Path, started: float, ended: float) -> list[Path]:
        """A test's share of the AT transcript, the SCPI log and the NAS trace."""
        return [
            write_text_atomically(folder / "at-transcript.log", self.modem.transcript_between(started, ended)),
            write_text_atomically(folder / "scpi.log", self.callbox.log_between(started, ended)),
            write_atomically(folder / "nas-trace.pcap",
                             lambda temporary: self.trace.write_slice(temporary, started, ended)),
        ]

    def close(self) -> None:
        for closer in (self.modem.close, self.callbox.close, self.trace.close):
            try:
                closer()
            except Exception:  # noqa: BLE001 - close the rest; the first error is already reported
                pass
        if self.emulators is not None:
            self.emulators.stop()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def open_cellular_lab(config: LabConfig, workdir: Path) -> CellularLab:
    cellular = config.cellular
    claims = config.declaration.cellular
    if cellular is None:
        raise HarnessError("the lab config has no cellular section")
    workdir.mkdir(parents=True, exist_ok=True)
    trace = NasTraceRecorder(workdir / "nas-trace.pcap", 0 if cellular.emulated else cellular.trace.port)
    emulators = None
    wiring = None
    opened: list = [trace]
    try:
        if cellular.emulated:
            if claims is None:
                raise HarnessError("an emulated module needs the declaration's cellular claims (IMEI, module)")
            pdn_nic_port = free_udp_port()
            emulators = CellularEmulators(cellular, claims, workdir, trace.port, pdn_nic_port)
            opened.append(emulators)
            modem_url = f"socket://127.0.0.1:{emulators.ports.module_harness}"
            resource = f"TCPIP::127.0.0.1::{emulators.ports.scpi}::SOCKET"
            wiring = CellularWiring(emulators.ports.module_dut, pdn_nic_port, emulators.ports.pdn)
        else:
            modem_url, resource = cellular.modem.url, cellular.callbox.resource
        modem = ATChannel(modem_url, workdir / "at-transcript.log", baudrate=cellular.modem.baudrate,
                          dialect=DIALECTS[cellular.modem.dialect])
        opened.append(modem)
        instrument = ScpiInstrument(resource, workdir / "scpi.log", timeout_s=cellular.callbox.timeout_s)
        driver = EmulatedCmwCallbox if cellular.emulated else DRIVERS[cellular.callbox.driver]
        callbox = driver(instrument, cellular.cell.rat)
    except BaseException:
        for item in reversed(opened):
            (item.stop if isinstance(item, CellularEmulators) else item.close)()
        raise
    return CellularLab(modem, callbox, trace, workdir, emulators, wiring)
