"""Recognise and judge IPv6 frames sent by the DUT. Pure functions over
scapy packets: frames in, facts or findings out, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Container

from scapy.layers.inet6 import (
    ICMPv6EchoReply,
    ICMPv6MLDone,
    ICMPv6MLReport,
    ICMPv6MLReport2,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrHopByHop,
    RouterAlert,
)
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from harness.ipv6.addresses import ALL_MLDV2_ROUTERS, ALL_ROUTERS, UNSPECIFIED, ip, solicited_node

ND_HOP_LIMIT = 255  # RFC 4861 6.1, 7.1: ND messages are sent and accepted with hop limit 255 only
MLD_HOP_LIMIT = 1  # RFC 3810 5: MLD messages are sent with hop limit 1
ROUTER_ALERT_MLD = 0  # RFC 2711: value 0 = MLD message


def sent_by(pkt: Packet, mac: str) -> bool:
    """The one test of "this frame comes from that MAC" (MACs compared in any case)."""
    return Ether in pkt and pkt[Ether].src.lower() == mac.lower()


def ipv6_from(pkt: Packet, mac: str) -> bool:
    """An IPv6 packet sent by that MAC."""
    return sent_by(pkt, mac) and IPv6 in pkt


def is_multicast_mac(mac: str) -> bool:
    """IEEE 802 group address (I/G bit set): a destination, never a station's source."""
    return int(mac.split(":")[0], 16) & 1 == 1


def other_mac_note(pkt: Packet, dut_mac: str) -> str:
    """For a failure message: a frame on the DUT's side of the link from
    another MAC than the configured one is still the DUT's (a point-to-point
    link has no one else), and the message says where it came from."""
    mac = pkt[Ether].src
    if sent_by(pkt, dut_mac):
        return ""
    kind = "a multicast MAC, which no station may send from (IEEE 802)" if is_multicast_mac(mac) else "another MAC"
    return f" from {mac} ({kind}; the DUT's is {dut_mac})"


def operates_ipv6(pkt: Packet) -> bool:
    """An IPv6 frame that is IP operation: anything but MLD, which a stack
    shutting an interface down still sends as it leaves its groups."""
    return IPv6 in pkt and not any(kind in pkt for kind in (ICMPv6MLReport, ICMPv6MLReport2, ICMPv6MLDone))


def is_dad_probe(pkt: Packet, mac: str, neighbours: Container, target: str | None = None) -> bool:
    """A Duplicate Address Detection NS from the DUT (RFC 4862 5.4.2): an NS
    for an address that is none of its neighbours' - the DUT's own tentative
    one - whatever its source. The RFC's source is ::, and a probe from any
    other source is still a probe (judge_dad_probe names it); an NS for a
    neighbour's address is address resolution or NUD."""
    if not ipv6_from(pkt, mac) or ICMPv6ND_NS not in pkt:
        return False
    probed = ip(pkt[ICMPv6ND_NS].tgt)
    if ip(pkt[IPv6].src) != UNSPECIFIED and probed in neighbours:
        return False
    return target is None or probed == ip(target)


def judge_dad_probe(pkt: Packet) -> list[str]:
    """What a DAD NS breaks: RFC 4862 5.4.2 and RFC 4861 7.2.2/7.1.1."""
    findings = []
    target = pkt[ICMPv6ND_NS].tgt
    source = ip(pkt[IPv6].src)
    if source != UNSPECIFIED:
        findings.append(f"source {source}, not the unspecified address :: (a tentative address is not yet the DUT's)")
    if ip(pkt[IPv6].dst) != solicited_node(target):
        findings.append(f"destination {pkt[IPv6].dst} is not the solicited-node address {solicited_node(target)} of {target}")
    if pkt[IPv6].hlim != ND_HOP_LIMIT:
        findings.append(f"hop limit {pkt[IPv6].hlim}, not {ND_HOP_LIMIT}")
    if source == UNSPECIFIED and ICMPv6NDOptSrcLLAddr in pkt:
        findings.append("carries a source link-layer address option although the source is ::")
    return findings


@dataclass(frozen=True)
class MldReport:
    version: int
    source: str
    destination: str
    hop_limit: int
    router_alert: bool
    groups: tuple[str, ...]


def mld_report(pkt: Packet, mac: str) -> MldReport | None:
    """An MLD report from the DUT, v1 (type 131) or v2 (type 143), or None."""
    if not ipv6_from(pkt, mac):
        return None
    if ICMPv6MLReport2 in pkt:
        version, groups = 2, tuple(str(record.dst) for record in pkt[ICMPv6MLReport2].records)
    elif ICMPv6MLReport in pkt:
        version, groups = 1, (str(pkt[ICMPv6MLReport].mladdr),)
    else:
        return None
    alert = IPv6ExtHdrHopByHop in pkt and any(
        isinstance(option, RouterAlert) and option.value == ROUTER_ALERT_MLD
        for option in pkt[IPv6ExtHdrHopByHop].options
    )
    return MldReport(version, pkt[IPv6].src, pkt[IPv6].dst, pkt[IPv6].hlim, alert, groups)


def judge_mldv2_report(report: MldReport) -> list[str]:
    """RFC 3810 5.2 and 5.2.14: v2 reports go to ff02::16 with hop limit 1 and a Router Alert."""
    findings = []
    if report.version != 2:
        findings.append(f"MLDv{report.version} report (ICMPv6 type 131) instead of MLDv2 (type 143)")
    if ip(report.destination) != ALL_MLDV2_ROUTERS and report.version == 2:
        findings.append(f"destination {report.destination}, not ff02::16")
    if report.hop_limit != MLD_HOP_LIMIT:
        findings.append(f"hop limit {report.hop_limit}, not {MLD_HOP_LIMIT}")
    if not report.router_alert:
        findings.append("no Router Alert (MLD) hop-by-hop option (RFC 3810 5, RFC 2711)")
    return findings


def is_router_solicitation(pkt: Packet, mac: str) -> bool:
    return ipv6_from(pkt, mac) and ICMPv6ND_RS in pkt


def judge_router_solicitation(pkt: Packet) -> list[str]:
    """RFC 4861 6.3.7 and 4.1: RS to all-routers, hop limit 255, SLLA only from a real source."""
    findings = []
    source = ip(pkt[IPv6].src)
    if ip(pkt[IPv6].dst) != ALL_ROUTERS:
        findings.append(f"destination {pkt[IPv6].dst}, not ff02::2")
    if pkt[IPv6].hlim != ND_HOP_LIMIT:
        findings.append(f"hop limit {pkt[IPv6].hlim}, not {ND_HOP_LIMIT}")
    if source == UNSPECIFIED and ICMPv6NDOptSrcLLAddr in pkt:
        findings.append("source :: with a source link-layer address option")
    return findings


def is_neighbor_advert(pkt: Packet, mac: str, target: str) -> bool:
    return ipv6_from(pkt, mac) and ICMPv6ND_NA in pkt and ip(pkt[ICMPv6ND_NA].tgt) == ip(target)


def judge_solicited_na(pkt: Packet, mac: str, tester_address: str) -> list[str]:
    """RFC 4861 7.2.4: a solicited NA to the solicitor, S=1, R=0 for a host,
    with the target link-layer address option when the NS was multicast."""
    na = pkt[ICMPv6ND_NA]
    findings = []
    if not na.S:
        findings.append("Solicited flag S=0")
    if na.R:
        findings.append("Router flag R=1 from a host")
    if ip(pkt[IPv6].dst) != ip(tester_address):
        findings.append(f"sent to {pkt[IPv6].dst}, not to the soliciting node {tester_address}")
    if pkt[IPv6].hlim != ND_HOP_LIMIT:
        findings.append(f"hop limit {pkt[IPv6].hlim}, not {ND_HOP_LIMIT}")
    if ICMPv6NDOptDstLLAddr not in pkt:
        findings.append("no target link-layer address option")
    elif pkt[ICMPv6NDOptDstLLAddr].lladdr.lower() != mac.lower():
        findings.append(f"target link-layer address {pkt[ICMPv6NDOptDstLLAddr].lladdr}, not {mac}")
    return findings


def is_echo_reply(pkt: Packet, mac: str, source: str, identifier: int) -> bool:
    return (
        ipv6_from(pkt, mac)
        and ICMPv6EchoReply in pkt
        and ip(pkt[IPv6].src) == ip(source)
        and pkt[ICMPv6EchoReply].id == identifier
    )




def icmp_error(pkt: Packet, mac: str, error_class: type[Packet]) -> Packet | None:
    """The ICMPv6 error layer of that class in a frame from the DUT, or None."""
    if not ipv6_from(pkt, mac) or error_class not in pkt:
        return None
    return pkt[error_class]


def is_unicast_neighbor_solicitation(pkt: Packet, mac: str, target: str) -> bool:
    """A NUD probe: NS from the DUT sent to the neighbour itself (RFC 4861 7.3.3)."""
    return (
        ipv6_from(pkt, mac)
        and ICMPv6ND_NS in pkt
        and ip(pkt[ICMPv6ND_NS].tgt) == ip(target)
        and not ip(pkt[IPv6].dst).is_multicast()
    )


def any_reply_from(pkt: Packet, mac: str, identifier: int) -> bool:
    """An echo reply with this identifier from the DUT, whatever its source."""
    return ipv6_from(pkt, mac) and ICMPv6EchoReply in pkt and pkt[ICMPv6EchoReply].id == identifier


def describe(pkt: Packet) -> str:
    """What an IPv6 frame carries, in words for a failure message: the
    first header after IPv6 (with ICMPv6 type and code) and the addresses."""
    header = pkt[IPv6].payload
    what = header.name
    if header.fields.get("type") is not None and "code" in header.fields:
        what += f" (type {header.type}, code {header.code})"
    return f"{what} from {pkt[IPv6].src} to {pkt[IPv6].dst}"
