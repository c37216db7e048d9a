"""A DHCPv6 server on the tester node (RFC 8415): Advertise for a Solicit,
Reply for a Request, an Information-request or a Release, one address lease
per client from a pool, and DNS servers (RFC 3646) when the client asks."""

from __future__ import annotations

import itertools
import threading

from netaddr import IPAddress, IPNetwork
from scapy.layers.dhcp6 import (
    DHCP6_Advertise,
    DHCP6_InfoRequest,
    DHCP6_Release,
    DHCP6_Reply,
    DHCP6_Request,
    DHCP6_Solicit,
    DHCP6OptClientId,
    DHCP6OptDNSServers,
    DHCP6OptIA_NA,
    DHCP6OptIAAddress,
    DHCP6OptOptReq,
    DHCP6OptPref,
    DHCP6OptServerId,
    DHCP6OptStatusCode,
    DUID_LL,
)
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from harness.values.frames import Frame
from harness.ipv6.dhcpv6 import CLIENT_PORT, SERVER_PORT, client_message
from harness.peers.base import Peer
from harness.lab.tester import TesterNode

# RFC 8415 21.4 / 21.6 lifetimes a server would give; long enough to outlast a case.
T1_S, T2_S = 1800, 2880
PREFERRED_LIFETIME_S, VALID_LIFETIME_S = 3600, 7200
OPTION_DNS_SERVERS = 23  # RFC 3646 3
STATUS_SUCCESS = 0  # RFC 8415 21.13
# RFC 8415 18.2.9: an Advertise with preference 255 is taken at once, so the
# client does not wait SOL_TIMEOUT for other servers.
HIGHEST_PREFERENCE = 255
ANSWERS = ((DHCP6_Solicit, DHCP6_Advertise), (DHCP6_Request, DHCP6_Reply), (DHCP6_InfoRequest, DHCP6_Reply), (DHCP6_Release, DHCP6_Reply))


class Dhcpv6Server(Peer):
    def __init__(self, tester: TesterNode, pool: IPNetwork, dns_servers: list[IPAddress] = ()):
        super().__init__(tester)
        self.pool = pool
        self.dns_servers = [str(server) for server in dns_servers]
        self.duid = DUID_LL(lladdr=tester.mac)
        self.leases: dict[bytes, IPAddress] = {}
        self._hosts = itertools.count(0xD6)
        self._lock = threading.Lock()

    def lease_for(self, client_duid: bytes) -> IPAddress:
        with self._lock:
            if client_duid not in self.leases:
                self.leases[client_duid] = IPAddress(self.pool.first | next(self._hosts), 6)
            return self.leases[client_duid]

    def _answer(self, frame: Frame) -> None:
        if frame.direction != "rx":
            return
        try:
            pkt = frame.packet
            if UDP not in pkt or pkt[UDP].dport != SERVER_PORT or DHCP6OptClientId not in pkt:
                return
            for kind, answer in ANSWERS:
                if client_message(pkt, pkt[Ether].src, kind):
                    break
            else:
                return  # Renew, Rebind, Confirm...: a case that needs them answers them itself
            # What the answer copies from the client, read here: a field a
            # truncated or mutated message lacks makes it no message to answer.
            trid = int(pkt[kind].trid)
            client_duid = bytes(pkt[DHCP6OptClientId].duid)
            iaid = int(pkt[DHCP6OptIA_NA].iaid) if DHCP6OptIA_NA in pkt and kind is not DHCP6_InfoRequest else None
            requested = list(pkt[DHCP6OptOptReq].reqopts) if DHCP6OptOptReq in pkt else []
        except Exception:
            return  # an undissectable frame is no DHCPv6 message for us
        message = answer(trid=trid) / DHCP6OptServerId(duid=self.duid) / DHCP6OptClientId(duid=pkt[DHCP6OptClientId].duid)
        if answer is DHCP6_Advertise:
            message /= DHCP6OptPref(prefval=HIGHEST_PREFERENCE)
        if kind is DHCP6_Release:
            # RFC 8415 18.3.7: the lease ends; the Reply carries a status, no IA.
            with self._lock:
                self.leases.pop(client_duid, None)
            message /= DHCP6OptStatusCode(statuscode=STATUS_SUCCESS)
        elif iaid is not None:
            address = self.lease_for(client_duid)
            message /= DHCP6OptIA_NA(
                iaid=iaid, T1=T1_S, T2=T2_S,
                ianaopts=[DHCP6OptIAAddress(addr=str(address), preflft=PREFERRED_LIFETIME_S, validlft=VALID_LIFETIME_S)],
            )
        if self.dns_servers and OPTION_DNS_SERVERS in requested:
            message /= DHCP6OptDNSServers(dnsservers=self.dns_servers)
        reply = IPv6(src=str(self.tester.link_local), dst=pkt[IPv6].src) / UDP(sport=SERVER_PORT, dport=CLIENT_PORT) / message
        self.tester.send(reply, pkt[Ether].src)
