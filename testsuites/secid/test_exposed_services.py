"""AP-SECID, what the unit exposes on the network: every open port is a
declared service (EN 303 645 5.6-2), and no login service carries its
credentials in clear (5.5-1). One nmap scan per module, over IPv6 from the
host stack on the DUT's link (every probe in the capture): all 65,535 TCP
ports and the common UDP services; its XML report is each case's evidence."""

from __future__ import annotations

from dataclasses import dataclass

import allure
import pytest
from netaddr import IPAddress

from harness.context import Dut
from harness.drivers.hoststack import HostStack
from harness.drivers.nmap import scan
from harness.values.ports import ScanResult
from harness.errors import HarnessError
from harness.secid import CLEARTEXT_LOGIN_PORTS, COMMON_UDP_PORTS, cleartext_greeting, undeclared
from harness.verdict import nonconformant
from harness.lab.addressing import configure_unit

ALL_TCP_PORTS = "1-65535"
# Lab allowances, not protocol timers: a full TCP scan of a unit under
# software emulation, and a service that greets its client on connect.
SCAN_ALLOWANCE_S = 600.0
GREETING_WAIT_S = 3.0
GREETING_BYTES = 256
# Linux's default spacing of ICMPv6 errors to one destination (net.ipv6.icmp.ratelimit,
# 1000 ms), as RFC 4443 2.4 (f) asks errors to be rate-limited.
ICMPV6_ERROR_INTERVAL_S = 1.0


@dataclass
class Exposure:
    scan: ScanResult | None  # None: the unit formed no address to scan
    greetings: dict[int, bytes]  # open TCP port -> what the unit sent first on connect


def _greeting(stack: HostStack, address: IPAddress, port: int) -> bytes:
    try:
        with stack.connect(str(address), port, GREETING_WAIT_S) as connection:
            return connection.recv(GREETING_BYTES)
    except (TimeoutError, ConnectionError):
        # A server that waits for its client (HTTP), or one open to nmap a
        # moment ago and refusing now: no greeting; the scan's verdict stands.
        return b""


@pytest.fixture(scope="module")
def exposure(campaign, dut: Dut, tester) -> Exposure:
    address = configure_unit(dut, tester)
    if address is None:
        return Exposure(None, {})
    with HostStack(tester) as stack:
        result = scan(stack, address, ALL_TCP_PORTS, COMMON_UDP_PORTS, SCAN_ALLOWANCE_S)
        # A closed UDP port shows as one by an ICMPv6 error, which the unit
        # may rate-limit (RFC 4443 2.4 f): ask the silent ones again, slowly.
        silent = [port.port for port in result.in_state("open|filtered") if port.protocol == "udp"]
        if silent:
            result = result.rechecked(scan(stack, address, None, silent, SCAN_ALLOWANCE_S, ICMPV6_ERROR_INTERVAL_S))
        cause = dut.failure()  # a unit that died mid-scan answers nothing: no exposure to judge
        if cause:
            raise HarnessError(f"DUT lost during the port scan: {cause}")
        greetings = {port.port: _greeting(stack, address, port.port)
                     for port in result.in_state("open") if port.protocol == "tcp"}
    evidence = campaign.suite_evidence("secid")
    evidence.mkdir(parents=True, exist_ok=True)
    for number, report in enumerate(result.reports, 1):
        (evidence / f"nmap-{number}.xml").write_text(report)
    return Exposure(result, greetings)


def _scanned(exposure: Exposure) -> ScanResult:
    if exposure.scan is None:
        nonconformant("RFC4862-5.5.3", "an address formed from the tester's prefix, to scan the unit at", "none formed")
    for number, report in enumerate(exposure.scan.reports, 1):
        allure.attach(report, name=f"nmap-{number}.xml", attachment_type=allure.attachment_type.XML)
    return exposure.scan


@pytest.mark.requirement("AP-SECID", "EN303645-5.6-2")
def test_exposed_services_are_the_declared_ones(exposure, lab_config, observations):
    result = _scanned(exposure)
    declared = lab_config.declaration.services
    opened = result.in_state("open")
    seen = {(port.protocol, port.port) for port in opened}
    for service in declared:
        if (service.protocol, service.port) not in seen:
            observations.advise("EN303645-5.6-2", f"declared {service.protocol}/{service.port} ({service.purpose}) was not found open")
    for port in result.in_state("open|filtered"):
        observations.advise("EN303645-5.6-2", f"{port.protocol}/{port.port} gave no answer either way, asked again slowly "
                                 "(a service that ignores empty probes, or a port that drops them)")
    extra = undeclared(opened, declared)
    if extra:
        nonconformant("EN303645-5.6-2", "only declared services open: "
                      + (", ".join(f"{s.protocol}/{s.port}" for s in declared) or "none declared"),
                      "undeclared open " + ", ".join(f"{p.protocol}/{p.port} ({p.service or 'unknown'})" for p in extra))


@pytest.mark.requirement("AP-SECID", "EN303645-5.5-1")
def test_no_cleartext_login_service(exposure):
    result = _scanned(exposure)
    found = []
    for port in result.in_state("open"):
        if port.protocol != "tcp":
            continue
        kind = cleartext_greeting(exposure.greetings.get(port.port, b""))
        greets = f", greets with {kind}" if kind else ""
        if port.port in CLEARTEXT_LOGIN_PORTS:
            found.append(f"tcp/{port.port} open, the {CLEARTEXT_LOGIN_PORTS[port.port]} port{greets}")
        elif kind:
            found.append(f"tcp/{port.port}{greets}")
    if found:
        nonconformant("EN303645-5.5-1", "no login service that carries credentials in clear (Telnet, FTP, r-services)",
                      "; ".join(found))
