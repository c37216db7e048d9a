"""Shared steps of the IPv6 suite: learning the DUT's addresses the way a
neighbour on the link would."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from netaddr import IPAddress
from scapy.layers.inet6 import ICMPv6ND_NS, IPv6

from harness.drivers.link import Frame
from harness.ipv6.addresses import eui64_link_local, in_prefix, ip, is_link_local
from harness.ipv6.frames import is_dad_probe, is_router_solicitation
from harness.ipv6.timers import DAD_PROBE_WAIT_S, RETRANS_TIMER_S, ROUTER_SOLICITATION_WAIT_S


@pytest.fixture
def dut_link_local(dut) -> IPAddress:
    """The DUT's link-local address as seen on the wire (its DAD probe or any
    link-local source); the EUI-64 guess from its MAC if it never showed one,
    so that a silent DUT still gets probed and fails rather than skips."""

    def announces_link_local(pkt) -> bool:
        if is_dad_probe(pkt, dut.mac):
            return is_link_local(pkt[ICMPv6ND_NS].tgt)
        return pkt.src == dut.mac and IPv6 in pkt and is_link_local(pkt[IPv6].src)

    frame = dut.recorder.wait_for(announces_link_local, RETRANS_TIMER_S, since=0)
    if frame is None:
        return eui64_link_local(dut.mac)
    pkt = frame.packet
    return ip(pkt[ICMPv6ND_NS].tgt) if ICMPv6ND_NS in pkt and ip(pkt[IPv6].src) == ip("::") else ip(pkt[IPv6].src)


@dataclass(frozen=True)
class SlaacOutcome:
    prefix: str
    router_solicitation: Frame | None
    dad_probe: Frame | None

    @property
    def address(self) -> IPAddress | None:
        return ip(self.dad_probe.packet[ICMPv6ND_NS].tgt) if self.dad_probe else None


@pytest.fixture
def slaac(dut, tester, link_up) -> SlaacOutcome:
    """Fresh link-up, answer the DUT's RS with an RA carrying the tester's
    prefix (send it unsolicited if no RS comes), and wait for the DAD probe
    of the address the DUT forms from it."""
    solicitation = dut.recorder.wait_for(lambda p: is_router_solicitation(p, dut.mac), ROUTER_SOLICITATION_WAIT_S, since=link_up)
    mark = dut.recorder.mark()
    tester.router_advertisement()
    prefix = tester.prefix
    probe = dut.recorder.wait_for(
        lambda p: is_dad_probe(p, dut.mac) and in_prefix(p[ICMPv6ND_NS].tgt, prefix), DAD_PROBE_WAIT_S, since=mark
    )
    return SlaacOutcome(prefix, solicitation, probe)
