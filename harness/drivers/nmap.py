"""Port scans with nmap, run inside the host stack so that every probe
crosses the DUT's link (and its recorder) like any tester frame. nmap's XML
report is the evidence; it is parsed here into the ports nmap listed."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ElementTree

from netaddr import IPAddress

from harness.drivers.hoststack import HostStack
from harness.errors import HarnessError
from harness.values.ports import PortState, ScanResult


class ScanError(HarnessError):
    """nmap could not run, failed, or left a report that is not a finished scan."""


MAX_REPORT_CHARS = 64 * 1024 * 1024  # a full TCP and UDP scan of one address is a few MB
PROTOCOLS = ("tcp", "udp", "sctp", "ip")


def parse_report(text: str) -> list[PortState]:
    """The listed ports of a finished nmap XML report (-oX); a report that is
    cut, not nmap's, or lists a port it cannot have is ScanError."""
    if len(text) > MAX_REPORT_CHARS:
        raise ScanError(f"nmap's report is {len(text)} characters, more than {MAX_REPORT_CHARS}")
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError) as exc:  # expat refuses entity expansion bombs too
        raise ScanError(f"nmap's report is not XML (truncated?): {exc}") from exc
    finished = root.find("runstats/finished")
    if root.tag != "nmaprun" or finished is None or finished.get("exit") != "success":
        raise ScanError(f"nmap's report does not end in a finished scan: {text[-300:]!r}")
    return [_port(element) for element in root.iterfind("host/ports/port")]


def _port(element) -> PortState:
    state, service = element.find("state"), element.find("service")
    number, protocol = element.get("portid", ""), element.get("protocol", "")
    if not re.fullmatch(r"[0-9]{1,5}", number) or int(number) > 65535:
        raise ScanError(f"nmap listed a port whose portid is {number[:20]!r}, not 0 to 65535")
    if protocol not in PROTOCOLS:
        raise ScanError(f"nmap listed port {number} with protocol {protocol[:20]!r}")
    if state is None:
        raise ScanError(f"nmap listed port {number} without a state")
    return PortState(protocol, int(number), state.get("state", ""), state.get("reason", ""),
                     service.get("name", "") if service is not None else "")


def port_spec(tcp: str | None, udp: list[int]) -> list[str]:
    """nmap arguments for a SYN scan of `tcp` (a range) and a UDP scan of `udp`."""
    udp_list = ",".join(str(port) for port in udp)
    if not udp:
        return ["-sS", "-p", tcp or ""]
    if tcp is None:
        return ["-sU", "-p", udp_list]
    return ["-sS", "-sU", "-p", f"T:{tcp},U:{udp_list}"]


def scan(stack: HostStack, address: IPAddress, tcp: str | None, udp: list[int], timeout: float,
         probe_interval_s: float = 0.0) -> ScanResult:
    """Scan the unit over IPv6 from the stack: no host discovery (-Pn: the
    unit is known to be up), no DNS, two retries per probe, probes at least
    `probe_interval_s` apart. Bounded by timeout; an nmap failure raises
    ScanError (the lab's, not the unit's)."""
    spacing = ["--scan-delay", f"{round(probe_interval_s * 1000)}ms"] if probe_interval_s else []
    argv = ["nmap", "-6", "-n", "-Pn", "--max-retries", "2", "-T4", *spacing, *port_spec(tcp, udp),
            "-oX", "-", str(address)]
    started = time.monotonic()
    result = stack.run(argv, timeout)
    if result.returncode != 0:
        raise ScanError(f"nmap exited {result.returncode}: {result.stderr.strip()[-500:]}")
    return ScanResult(str(address), parse_report(result.stdout), [result.stdout], time.monotonic() - started)
