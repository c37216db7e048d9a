"""The tester node (TAHI's TN): the harness's own host and router on the
DUT's link. It builds frames with scapy, sends them through the Link and
answers neighbour solicitations for the addresses it claims, as a real
neighbour would, so the DUT can reach it."""

from __future__ import annotations

import itertools
import threading
from typing import Callable

from netaddr import AddrFormatError, IPAddress, IPNetwork
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptRDNSS,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
)
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from harness.drivers.link import Link
from harness.values.frames import Frame
from harness.ipv6.addresses import UNSPECIFIED, eui64_link_local, ip, multicast_mac, solicited_node

# RFC 4861 6.2.1 defaults a router would advertise.
ROUTER_LIFETIME_S = 1800
PREFIX_VALID_LIFETIME_S = 86400
PREFIX_PREFERRED_LIFETIME_S = 14400
# Off-link peers live here: reached through the tester acting as router.
OFF_LINK_NETWORK = IPNetwork("2001:db8:ffff::/64")


ETHERTYPE_IPV6 = b"\x86\xdd"
NEXT_HEADER_TCP, NEXT_HEADER_UDP = 6, 17


def _may_be_icmpv6(data: bytes) -> bool:
    """False for a frame that cannot hold a Neighbor Solicitation (not IPv6,
    or straight TCP or UDP): decided on the bytes, so a port scan's frames,
    tens of thousands, are not dissected by scapy one by one (about 14 s of
    CPU per full scan)."""
    return data[12:14] == ETHERTYPE_IPV6 and len(data) > 20 and data[20] not in (NEXT_HEADER_TCP, NEXT_HEADER_UDP)


class ClaimedAddresses:
    """The addresses the tester answers for, as a live set: a frame judged
    after the fact is judged against the claims made up to now."""

    def __init__(self, addresses: set[IPAddress]):
        self._addresses = set(addresses)
        self._lock = threading.Lock()

    def add(self, address: IPAddress) -> None:
        with self._lock:
            self._addresses.add(ip(address))

    def __contains__(self, address: object) -> bool:
        try:
            candidate = ip(address)
        except (AddrFormatError, ValueError, TypeError):
            return False
        with self._lock:
            return candidate in self._addresses


class TesterNode:
    __test__ = False  # a harness part, not a pytest test class

    def __init__(self, link: Link, mac: str, prefix: str):
        self.link = link
        self.mac = mac
        self.prefix = IPNetwork(prefix)
        self.link_local = eui64_link_local(mac)
        self.global_address = IPAddress(self.prefix.first | 1, 6)
        self.claimed = ClaimedAddresses({self.link_local, self.global_address})
        self._sources = itertools.count(0x100)
        self._echo_ids = itertools.count(0x4800)
        self.answering = True  # False: play a neighbour that went away (NUD)
        # The tester's own answers and its peers' (servers) hear frames through
        # one dispatcher, which follows the tester to a revived DUT's link.
        self._listeners: list[Callable[[Frame], None]] = [self._answer_neighbor_solicitation]
        link.recorder.subscribe(self._dispatch)

    def subscribe(self, listener: Callable[[Frame], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Frame], None]) -> None:
        self._listeners.remove(listener)

    def _dispatch(self, frame: Frame) -> None:
        for listener in list(self._listeners):
            try:
                listener(frame)
            except Exception as exc:
                name = getattr(listener, "__qualname__", repr(listener))
                raise RuntimeError(f"{name}: {type(exc).__name__}: {exc}") from exc

    def rebind(self, link: Link) -> None:
        """Serve a revived DUT's new link (the old one died with its machine)."""
        self.link.recorder.unsubscribe(self._dispatch)
        self.link = link
        link.recorder.subscribe(self._dispatch)

    # -- addresses ---------------------------------------------------------
    def claim(self, address: IPAddress) -> IPAddress:
        """Answer neighbour solicitations for this address from now on."""
        self.claimed.add(address)
        return ip(address)

    def fresh_source(self) -> IPAddress:
        """A new on-link address of the tester. Linux rate-limits ICMPv6
        errors per destination (RFC 4443 2.4 f), so each error probe gets its
        own source and is answered on its own merits."""
        return self.claim(IPAddress(self.prefix.first | next(self._sources), 6))

    def off_link_source(self) -> IPAddress:
        """An address beyond the tester router: the DUT must route to it."""
        return IPAddress(OFF_LINK_NETWORK.first | next(self._sources), 6)

    def _answer_neighbor_solicitation(self, frame: Frame) -> None:
        if frame.direction != "rx" or not self.answering or not _may_be_icmpv6(frame.data):
            return
        try:
            pkt = frame.packet
            if ICMPv6ND_NS not in pkt:
                return
            target = ip(pkt[ICMPv6ND_NS].tgt)
            ours = target in self.claimed
            if not ours or ip(pkt[IPv6].src) == UNSPECIFIED:
                return  # not ours, or a DAD probe: silence is the right answer
        except Exception:
            return  # an undissectable frame is not a solicitation for us
        answer = IPv6(src=str(target), dst=pkt[IPv6].src) / ICMPv6ND_NA(tgt=str(target), R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(
            lladdr=self.mac
        )
        self.send(answer, pkt[Ether].src)

    # -- sending -----------------------------------------------------------
    def send(self, packet: Packet, dst_mac: str) -> None:
        self.link.send(bytes(Ether(src=self.mac, dst=dst_mac) / packet))

    def send_multicast(self, packet: Packet) -> None:
        self.send(packet, multicast_mac(packet[IPv6].dst))

    def send_to_dut(self, packet: Packet, dut_mac: str) -> None:
        """Unicast or multicast, the Ethernet destination follows the IPv6 one."""
        if ip(packet[IPv6].dst).is_multicast():
            self.send_multicast(packet)
        else:
            self.send(packet, dut_mac)

    # -- stimuli -----------------------------------------------------------
    def neighbor_solicitation(self, target: str | IPAddress, hop_limit: int = 255, unicast_mac: str | None = None) -> None:
        """NS from the tester's link-local address (RFC 4861 7.2.2): multicast
        to the solicited-node group, or unicast (a NUD probe) when a MAC is given."""
        destination = str(target) if unicast_mac else str(solicited_node(target))
        packet = (
            IPv6(src=str(self.link_local), dst=destination, hlim=hop_limit)
            / ICMPv6ND_NS(tgt=str(target))
            / ICMPv6NDOptSrcLLAddr(lladdr=self.mac)
        )
        if unicast_mac:
            self.send(packet, unicast_mac)
        else:
            self.send_multicast(packet)

    def router_advertisement(
        self,
        prefix: str | IPNetwork | None = None,
        *,
        prefix_length: int | None = None,
        autonomous: bool = True,
        valid: int = PREFIX_VALID_LIFETIME_S,
        preferred: int = PREFIX_PREFERRED_LIFETIME_S,
        router_lifetime: int = ROUTER_LIFETIME_S,
        cur_hop_limit: int = 0,
        hop_limit: int = 255,
        source: IPAddress | None = None,
        mtu: int | None = None,
        rdnss: list[str | IPAddress] | None = None,
        rdnss_lifetime: int = ROUTER_LIFETIME_S,
        managed: bool = False,
        other: bool = False,
        reachable_ms: int = 0,
    ) -> None:
        """An unsolicited RA to all nodes. Every knob exists to build both
        valid advertisements and the invalid ones RFC 4861 6.1.2 and
        RFC 4862 5.5.3 require a host to ignore."""
        network = IPNetwork(prefix) if prefix is not None else self.prefix
        packet = IPv6(src=str(source or self.link_local), dst="ff02::1", hlim=hop_limit) / ICMPv6ND_RA(
            chlim=cur_hop_limit, M=int(managed), O=int(other), routerlifetime=router_lifetime,
            reachabletime=reachable_ms, prf=0,
        )
        packet /= ICMPv6NDOptSrcLLAddr(lladdr=self.mac)
        if mtu is not None:
            packet /= ICMPv6NDOptMTU(mtu=mtu)
        if rdnss:
            packet /= ICMPv6NDOptRDNSS(dns=[str(server) for server in rdnss], lifetime=rdnss_lifetime)
        packet /= ICMPv6NDOptPrefixInfo(
            prefix=str(network.network),
            prefixlen=prefix_length if prefix_length is not None else network.prefixlen,
            L=1,
            A=int(autonomous),
            validlifetime=valid,
            preferredlifetime=preferred,
        )
        self.send_multicast(packet)

    def echo_request(
        self,
        destination: str | IPAddress,
        dst_mac: str,
        source: IPAddress | None = None,
        payload: bytes = b"iot-conformance-harness",
        **ipv6_fields: object,
    ) -> int:
        """Send one echo request; return its identifier for matching the reply."""
        identifier = next(self._echo_ids) & 0xFFFF
        packet = IPv6(src=str(source or self.global_address), dst=str(destination), **ipv6_fields) / ICMPv6EchoRequest(
            id=identifier, seq=1, data=payload
        )
        if ip(destination).is_multicast():
            self.send_multicast(packet)
        else:
            self.send(packet, dst_mac)
        return identifier

    def next_echo_id(self) -> int:
        return next(self._echo_ids) & 0xFFFF
