"""The tester node (TAHI's TN): the harness's own host and router on the
DUT's link. It builds frames with scapy, sends them through the Link and
answers neighbour solicitations for its own addresses, as a real neighbour
would, so the DUT can reach it."""

from __future__ import annotations

import itertools

from netaddr import IPAddress
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
)
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from harness.drivers.link import Frame, Link
from harness.ipv6.addresses import ALL_NODES, eui64_link_local, ip, multicast_mac, solicited_node

# RFC 4861 6.2.1 defaults a router would advertise.
ROUTER_LIFETIME_S = 1800
PREFIX_VALID_LIFETIME_S = 86400
PREFIX_PREFERRED_LIFETIME_S = 14400


class TesterNode:
    def __init__(self, link: Link, mac: str, prefix: str):
        self.link = link
        self.mac = mac
        self.prefix = prefix
        self.link_local = eui64_link_local(mac)
        self.global_address = IPAddress(int(IPAddress(prefix.split("/")[0])) | 1, 6)
        self._echo_ids = itertools.count(0x4800)
        link.recorder.subscribe(self._answer_neighbor_solicitation)

    @property
    def addresses(self) -> tuple[IPAddress, IPAddress]:
        return (self.link_local, self.global_address)

    def send(self, packet: Packet, dst_mac: str) -> None:
        self.link.send(bytes(Ether(src=self.mac, dst=dst_mac) / packet))

    def send_multicast(self, packet: Packet) -> None:
        self.send(packet, multicast_mac(packet[IPv6].dst))

    def _answer_neighbor_solicitation(self, frame: Frame) -> None:
        if frame.direction != "rx":
            return
        try:
            pkt = frame.packet
            if ICMPv6ND_NS not in pkt or ip(pkt[ICMPv6ND_NS].tgt) not in self.addresses:
                return
        except Exception:
            return  # an undissectable frame is not a solicitation for us
        target = pkt[ICMPv6ND_NS].tgt
        if ip(pkt[IPv6].src) == ip("::"):
            return  # the DUT probing for a duplicate: staying silent is the right answer
        answer = IPv6(src=target, dst=pkt[IPv6].src) / ICMPv6ND_NA(tgt=target, R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(
            lladdr=self.mac
        )
        self.send(answer, pkt[Ether].src)

    # -- stimuli -----------------------------------------------------------
    def neighbor_solicitation(self, target: str | IPAddress) -> None:
        """Multicast NS from the tester's link-local address (RFC 4861 7.2.2)."""
        group = solicited_node(target)
        packet = (
            IPv6(src=str(self.link_local), dst=str(group))
            / ICMPv6ND_NS(tgt=str(target))
            / ICMPv6NDOptSrcLLAddr(lladdr=self.mac)
        )
        self.send_multicast(packet)

    def router_advertisement(self, prefix: str | None = None) -> None:
        """Unsolicited RA to all nodes with one on-link, autonomous /64 prefix."""
        network, length = (prefix or self.prefix).split("/")
        packet = (
            IPv6(src=str(self.link_local), dst=str(ALL_NODES))
            / ICMPv6ND_RA(routerlifetime=ROUTER_LIFETIME_S, prf=0)
            / ICMPv6NDOptSrcLLAddr(lladdr=self.mac)
            / ICMPv6NDOptPrefixInfo(
                prefix=network,
                prefixlen=int(length),
                L=1,
                A=1,
                validlifetime=PREFIX_VALID_LIFETIME_S,
                preferredlifetime=PREFIX_PREFERRED_LIFETIME_S,
            )
        )
        self.send_multicast(packet)

    def echo_request(self, destination: str | IPAddress, dst_mac: str, source: IPAddress | None = None) -> int:
        """Send one echo request; return its identifier for matching the reply."""
        identifier = next(self._echo_ids) & 0xFFFF
        packet = IPv6(src=str(source or self.global_address), dst=str(destination)) / ICMPv6EchoRequest(
            id=identifier, seq=1, data=b"iot-conformance-harness"
        )
        self.send(packet, dst_mac)
        return identifier
