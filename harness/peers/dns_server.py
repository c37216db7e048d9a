"""A DNS server on the tester node (RFC 1035 over UDP): answers every query
sent to one of its addresses, AAAA with a fixed documentation address, other
types with an empty answer, so the DUT's resolver completes at once."""

from __future__ import annotations

from netaddr import IPAddress
from scapy.layers.dns import DNS, DNSRR
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from harness.values.frames import Frame
from harness.ipv6.addresses import ip
from harness.ipv6.frames import sent_by
from harness.peers.base import Peer
from harness.lab.tester import TesterNode

DNS_PORT = 53
ANSWER_ADDRESS = "2001:db8:53::1"
ANSWER_TTL_S = 60
QTYPE_AAAA = 28


def is_dns_query(pkt, mac: str, server: IPAddress | None = None, name: str | None = None) -> bool:
    """A DNS query from the DUT (to `server`, for `name`, when given)."""
    if not sent_by(pkt, mac) or UDP not in pkt or DNS not in pkt:
        return False
    if pkt[UDP].dport != DNS_PORT or pkt[DNS].qr != 0 or IPv6 not in pkt:
        return False
    if server is not None and ip(pkt[IPv6].dst) != ip(server):
        return False
    return name is None or any(q.qname.decode().rstrip(".") == name for q in pkt[DNS].qd)


class DnsServer(Peer):
    def __init__(self, tester: TesterNode, addresses: list[IPAddress]):
        super().__init__(tester)
        self.addresses = {tester.claim(address) for address in addresses}

    def _answer(self, frame: Frame) -> None:
        if frame.direction != "rx":
            return
        try:
            pkt = frame.packet
            if not is_dns_query(pkt, pkt[Ether].src) or ip(pkt[IPv6].dst) not in self.addresses:
                return
            query = pkt[DNS]
            answers = [
                DNSRR(rrname=q.qname, type="AAAA", ttl=ANSWER_TTL_S, rdata=ANSWER_ADDRESS)
                for q in query.qd if q.qtype == QTYPE_AAAA
            ]
        except Exception:
            return  # an undissectable frame is no query for us
        response = DNS(id=query.id, qr=1, aa=1, rd=query.rd, ra=1, qd=query.qd, an=answers)
        packet = IPv6(src=pkt[IPv6].dst, dst=pkt[IPv6].src) / UDP(sport=DNS_PORT, dport=pkt[UDP].sport) / response
        self.tester.send(packet, pkt[Ether].src)
