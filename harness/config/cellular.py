"""The cellular lab (module, callbox, trace, USIM, cell) and what the unit claims about its attach."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from harness.config.fields import Strict


SECRET_PATTERN = r"^([0-9a-fA-F]{32}|env:[A-Za-z_][A-Za-z0-9_]*)$"


class ModemPort(Strict):
    """The module's AT port the harness talks to (a second USB AT port on a
    bench; the emulated module's when `emulated`)."""

    url: str | None = Field(default=None, description="pyserial URL: /dev/ttyUSB2, socket://host:port; none when emulated")
    baudrate: int = Field(default=115200, gt=0)
    dialect: Literal["generic", "quectel", "simcom"] = "generic"


class CallboxConfig(Strict):
    resource: str | None = Field(
        default=None, description="VISA resource string, e.g. TCPIP::192.0.2.10::5025::SOCKET; none when emulated")
    driver: Literal["cmw"] = "cmw"
    timeout_s: float = Field(default=5.0, gt=0, le=600, description="bound on every SCPI call")


class TraceSource(Strict):
    """Where the NAS trace comes from: GSMTAP datagrams the callbox or a diag
    tool sends to this host, or a pcap/pcapng file it writes."""

    kind: Literal["gsmtap", "pcap"] = "gsmtap"
    port: int = Field(default=4729, ge=0, le=65535, description="UDP port to listen on (0: any free port)")
    path: Path | None = Field(default=None, description="the capture file, for kind pcap")


class TestUsim(Strict):
    """The test USIM in the DUT. K and OPc are 32 hex digits or env:NAME (read
    from the environment); they never appear in evidence."""

    imsi: str = Field(pattern=r"^[0-9]{15}$")
    k: str = Field(pattern=SECRET_PATTERN, description="32 hex digits or env:VARIABLE")
    opc: str = Field(pattern=SECRET_PATTERN, description="32 hex digits or env:VARIABLE")

    @staticmethod
    def secret(value: str) -> bytes:
        if value.startswith("env:"):
            name = value[4:]
            if name not in os.environ:
                raise ValueError(f"the USIM secret names ${name}, which is not set")
            value = os.environ[name]
        return bytes.fromhex(value)


class Cell(Strict):
    rat: Literal["cat1", "nbiot"]
    band: int = Field(default=3, ge=1, le=256)
    mcc: str = Field(default="001", pattern=r"^[0-9]{3}$")
    mnc: str = Field(default="01", pattern=r"^[0-9]{2,3}$")
    ip_versions: Literal["IPV4", "IPV6", "IPV46"] = Field(
        default="IPV46", description="the PDN types the network allows: IPv4, IPv6 or both")
    apn: str = "internet"


class Cellular(Strict):
    """A module-based terminal on a callbox. With `emulated`, the harness
    starts the emulated module and network (fixtures/cellular) and wires the
    QEMU DUT's second serial port and second NIC to them."""

    emulated: bool = False
    modem: ModemPort = Field(default_factory=ModemPort)
    callbox: CallboxConfig = Field(default_factory=CallboxConfig)
    trace: TraceSource = Field(default_factory=TraceSource)
    usim: TestUsim
    cell: Cell
    module_faults: list[str] = Field(default_factory=list, description="emulated module only: fault knobs")

    @model_validator(mode="after")
    def _bench_needs_endpoints(self) -> "Cellular":
        if not self.emulated:
            missing = [name for name, value in (("modem.url", self.modem.url), ("callbox.resource", self.callbox.resource))
                       if value is None]
            if missing:
                raise ValueError(f"a bench (emulated: false) needs {', '.join(missing)}")
            if self.trace.kind == "pcap" and self.trace.path is None:
                raise ValueError("trace kind pcap needs trace.path")
        return self


def _gprs_timer2(seconds: int | None) -> int | None:
    from harness.cellular.timers import GprsTimer2

    GprsTimer2.encode(seconds)  # raises ValueError when no unit holds it exactly
    return seconds


def _gprs_timer3(seconds: int | None) -> int | None:
    from harness.cellular.timers import GprsTimer3

    GprsTimer3.encode(seconds)
    return seconds


class CellularClaims(Strict):
    """What the terminal declares about its cellular side."""

    category: Literal["cat1", "nbiot"]
    module_manufacturer: str
    module_model: str
    imei: str = Field(pattern=r"^[0-9]{15}$")
    software_version: str = Field(default="01", pattern=r"^[0-9]{2}$", description="the SVN of the IMEISV")
    psm_t3324_s: Annotated[int | None, AfterValidator(_gprs_timer2)] = Field(
        default=None, ge=0, description="T3324 the terminal requests (+CPSMS), exactly codable as a GPRS Timer 2")
    psm_t3412_extended_s: Annotated[int | None, AfterValidator(_gprs_timer3)] = Field(
        default=None, ge=0, description="T3412 extended the terminal requests, exactly codable as a GPRS Timer 3")
    edrx_value: str | None = Field(default=None, pattern=r"^[01]{4}$", description="+CEDRXS requested eDRX value")
    attach_without_pdn: bool = False
    # The licensed module (AP-ACCESS): what its +CGMR answers, and the TACs
    # (IMEI digits 1-8, TS 23.003 6.2.1) allotted to its model.
    module_revision: str | None = Field(default=None, description="the module's firmware revision (+CGMR)")
    module_tacs: list[Annotated[str, Field(pattern=r"^[0-9]{8}$")]] = Field(
        default_factory=list, description="Type Allocation Codes of the licensed module model")
    network_access_licence: str | None = Field(
        default=None, description="the terminal's MIIT network-access licence number, as on its label")
