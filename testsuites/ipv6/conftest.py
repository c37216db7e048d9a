"""Fixtures of the IPv6 suite: the DUT configured by the tester router
(harness.lab.addressing), its global and link-local addresses."""

from __future__ import annotations

import pytest
from netaddr import IPAddress
from scapy.layers.inet6 import ICMPv6ND_NS, IPv6

from harness.ipv6.addresses import eui64_link_local, ip, is_link_local
from harness.ipv6.frames import ipv6_from
from harness.lab.addressing import (
    LINK_LOCAL_IN_USE_WAIT_S, SlaacOutcome, configure_by_router, dad_probe_in, usable_configuration,
)


@pytest.fixture
def slaac(dut, tester) -> SlaacOutcome:
    """A DUT freshly configured by the tester router, for tests that change its state."""
    return configure_by_router(dut, tester)


@pytest.fixture(scope="module")
def _module_configuration() -> dict[tuple[int, int], SlaacOutcome]:
    return {}


@pytest.fixture
def configured(dut, tester, _module_configuration) -> SlaacOutcome:
    """One router configuration shared by the tests of a module that leave
    it intact; made again once the DUT's state is gone since (a reboot, a
    revival, a link restart by another case - in any order)."""
    if dut.epoch not in _module_configuration:
        _module_configuration.clear()
        _module_configuration[dut.epoch] = usable_configuration(dut, tester)  # after the configuration's own link restart
    return _module_configuration[dut.epoch]


@pytest.fixture
def global_address(configured) -> IPAddress:
    """The DUT's global address; a DUT that formed none fails the test that needs it."""
    if configured.address is None:
        from harness.verdict import nonconformant

        nonconformant(
            "RFC4862-5.5.3",
            f"an address formed from the advertised prefix {configured.prefix} (needed by this test)",
            "none formed",
        )
    return configured.address


@pytest.fixture
def dut_link_local(dut, tester) -> IPAddress:
    """The DUT's link-local address as seen on the wire, once it is usable: a
    tentative address answers nothing (RFC 4862 5.4), so wait for the DUT to
    send from it (its RS or MLD report) after its latest DAD probe. Falls
    back to that probe's target, then to the EUI-64 guess from its MAC, so
    that a silent DUT still gets probed and fails rather than skips."""

    link_local_probe = dad_probe_in(dut, tester)

    def sent_from_link_local(pkt) -> bool:
        # A probe from a unicast source does not show that source in use.
        return ipv6_from(pkt, dut.mac) and is_link_local(pkt[IPv6].src) and not link_local_probe(pkt)

    probes = [f for f in dut.recorder.frames() if f.direction == "rx" and link_local_probe(f.packet)]
    probe = probes[-1] if probes else None
    in_use = dut.recorder.wait_for(sent_from_link_local, LINK_LOCAL_IN_USE_WAIT_S, since=probe.index + 1 if probe else 0)
    if in_use is not None:
        return ip(in_use.packet[IPv6].src)
    return ip(probe.packet[ICMPv6ND_NS].tgt) if probe else eui64_link_local(dut.mac)
