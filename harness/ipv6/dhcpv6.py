"""Recognise and judge the DHCPv6 messages a client sends (RFC 8415).
Pure functions over scapy packets, like harness.ipv6.frames."""

from __future__ import annotations

from scapy.layers.dhcp6 import (
    DHCP6,
    DHCP6_InfoRequest,
    DHCP6_Solicit,
    DHCP6OptClientId,
    DHCP6OptElapsedTime,
    DHCP6OptIA_NA,
    DHCP6OptIA_PD,
    DHCP6OptIA_TA,
    DHCP6OptOptReq,
)
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Packet

from harness.ipv6.addresses import ip, is_link_local
from harness.ipv6.frames import sent_by

CLIENT_PORT = 546  # RFC 8415 7.2
SERVER_PORT = 547
ALL_DHCP_RELAY_AGENTS_AND_SERVERS = ip("ff02::1:2")  # RFC 8415 7.1
IA_OPTIONS = (DHCP6OptIA_NA, DHCP6OptIA_TA, DHCP6OptIA_PD)
# Options RFC 8415 says a client MUST ask for (18.2.1, 18.2.6; from RFC 7083).
OPTION_SOL_MAX_RT = 82
OPTION_INF_MAX_RT = 83
OPTION_INFORMATION_REFRESH_TIME = 32


def client_message(pkt: Packet, mac: str, kind: type[DHCP6] | None = None) -> bool:
    """A DHCPv6 message from the DUT towards servers (of `kind` if given)."""
    if not sent_by(pkt, mac) or UDP not in pkt:
        return False
    if pkt[UDP].dport != SERVER_PORT:
        return False
    return (kind or DHCP6) in pkt


def _judge_common(pkt: Packet) -> list[str]:
    """RFC 8415 13.1 / 7.1 / 7.2 and the options every client message carries."""
    findings = []
    if not is_link_local(pkt[IPv6].src):
        findings.append(f"source {pkt[IPv6].src} is not a link-local address (RFC 8415 13.1)")
    if ip(pkt[IPv6].dst) != ALL_DHCP_RELAY_AGENTS_AND_SERVERS:
        findings.append(f"destination {pkt[IPv6].dst}, not {ALL_DHCP_RELAY_AGENTS_AND_SERVERS} (RFC 8415 7.1)")
    if pkt[UDP].sport != CLIENT_PORT:
        findings.append(f"UDP source port {pkt[UDP].sport}, not {CLIENT_PORT} (RFC 8415 7.2)")
    if DHCP6OptElapsedTime not in pkt:
        findings.append("no Elapsed Time option (RFC 8415 21.9: MUST)")
    return findings


def judge_solicit(pkt: Packet) -> list[str]:
    """RFC 8415 18.2.1: a Solicit names its client and asks for addresses."""
    findings = _judge_common(pkt)
    if DHCP6OptClientId not in pkt:
        findings.append("no Client Identifier option (RFC 8415 18.2.1: MUST)")
    if DHCP6OptIA_NA not in pkt:
        findings.append("no IA_NA option: no address asked for although the RA set M=1")
    return findings


def judge_information_request(pkt: Packet) -> list[str]:
    """RFC 8415 18.2.6: configuration without addresses, so no IA option."""
    findings = _judge_common(pkt)
    carried = [option.__name__ for option in IA_OPTIONS if option in pkt]
    if carried:
        findings.append(f"carries {', '.join(carried)} (RFC 8415 18.2.6: an Information-request asks for no addresses)")
    return findings


def is_solicit(pkt: Packet, mac: str) -> bool:
    return client_message(pkt, mac, DHCP6_Solicit)


def is_information_request(pkt: Packet, mac: str) -> bool:
    return client_message(pkt, mac, DHCP6_InfoRequest)


def missing_requested_options(pkt: Packet) -> list[int]:
    """Option codes RFC 8415 wants in this message's Option Request option
    and that are not there. Reported as an advisory, not judged: clients
    written to RFC 3315 (before RFC 7083) do not ask for them, and that is
    what Debian's wide-dhcpv6 client, the reference DUT's, does."""
    wanted = [OPTION_SOL_MAX_RT] if DHCP6_Solicit in pkt else [OPTION_INF_MAX_RT, OPTION_INFORMATION_REFRESH_TIME]
    requested = pkt[DHCP6OptOptReq].reqopts if DHCP6OptOptReq in pkt else []
    return [code for code in wanted if code not in requested]
