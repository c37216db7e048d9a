"""The tester's DHCPv6 and DNS servers answer on the wire as real ones do,
and the DHCPv6 judgements catch what RFC 8415 forbids. Frames go through a
real loopback UDP link, the DUT side played by a plain socket."""

from __future__ import annotations

import socket

import pytest
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
    DHCP6OptElapsedTime,
    DHCP6OptIA_NA,
    DHCP6OptIAAddress,
    DHCP6OptOptReq,
    DHCP6OptPref,
    DHCP6OptServerId,
    DHCP6OptStatusCode,
    DUID_LL,
)
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from harness.ipv6.dhcpv6 import judge_information_request, judge_solicit, missing_requested_options
from harness.peers.dhcpv6_server import Dhcpv6Server
from harness.peers.dns_server import ANSWER_ADDRESS, DnsServer
from harness.lab.tester import TesterNode

DUT_MAC = "52:54:00:12:34:56"
DUT_LINK_LOCAL = "fe80::5054:ff:fe12:3456"
CLIENT_DUID = DUID_LL(lladdr=DUT_MAC)


@pytest.fixture
def wire(udp_link):
    """A tester on a loopback link; the socket is the DUT's end."""
    link, dut = udp_link
    tester = TesterNode(link, "02:00:00:00:00:01", "2001:db8:1::/64")
    return tester, dut, link.port


def exchange(dut: socket.socket, port: int, packet) -> Ether:
    """Send a frame from the DUT side and return the first non-ND answer."""
    dut.sendto(bytes(Ether(src=DUT_MAC, dst="33:33:00:01:00:02") / packet), ("127.0.0.1", port))
    while True:
        answer = Ether(dut.recvfrom(65535)[0])
        if UDP in answer:
            return answer


def client(message, *options, source: str = DUT_LINK_LOCAL):
    packet = IPv6(src=source, dst="ff02::1:2") / UDP(sport=546, dport=547) / message / DHCP6OptClientId(duid=CLIENT_DUID)
    for option in options:
        packet /= option
    return packet


def test_stateful_exchange_leases_one_address_and_takes_it_back(wire):
    tester, dut, port = wire
    pool = IPNetwork("2001:db8:42::/64")
    with Dhcpv6Server(tester, pool) as server:
        advertise = exchange(dut, port, client(DHCP6_Solicit(trid=7), DHCP6OptIA_NA(iaid=1), DHCP6OptElapsedTime()))
        assert DHCP6_Advertise in advertise and advertise[DHCP6_Advertise].trid == 7
        assert advertise[DHCP6OptPref].prefval == 255  # taken at once (RFC 8415 18.2.9)
        assert advertise[IPv6].dst == DUT_LINK_LOCAL and advertise[UDP].dport == 546
        offered = IPAddress(advertise[DHCP6OptIAAddress].addr)
        assert offered in pool
        server_id = DHCP6OptServerId(duid=advertise[DHCP6OptServerId].duid)
        reply = exchange(dut, port, client(DHCP6_Request(trid=8), server_id, DHCP6OptIA_NA(iaid=1)))
        assert DHCP6_Reply in reply and IPAddress(reply[DHCP6OptIAAddress].addr) == offered
        released = exchange(dut, port, client(DHCP6_Release(trid=9), server_id, DHCP6OptIA_NA(iaid=1)))
        assert DHCP6_Reply in released and released[DHCP6OptStatusCode].statuscode == 0
        assert server.leases == {}


def test_information_request_gets_dns_servers_only_when_asked(wire):
    tester, dut, port = wire
    with Dhcpv6Server(tester, IPNetwork("2001:db8:43::/64"), dns_servers=[IPAddress("2001:db8:1::53")]):
        asked = exchange(dut, port, client(DHCP6_InfoRequest(trid=1), DHCP6OptOptReq(reqopts=[23])))
        assert asked[DHCP6OptDNSServers].dnsservers == ["2001:db8:1::53"] and DHCP6OptIA_NA not in asked
        not_asked = exchange(dut, port, client(DHCP6_InfoRequest(trid=2), DHCP6OptOptReq(reqopts=[24])))
        assert DHCP6_Reply in not_asked and DHCP6OptDNSServers not in not_asked


def test_server_is_silent_once_left(wire):
    tester, dut, port = wire
    with Dhcpv6Server(tester, IPNetwork("2001:db8:44::/64")):
        pass
    dut.sendto(bytes(Ether(src=DUT_MAC) / client(DHCP6_Solicit(trid=3), DHCP6OptIA_NA(iaid=1))), ("127.0.0.1", port))
    dut.settimeout(0.5)
    with pytest.raises(socket.timeout):
        dut.recvfrom(65535)


def test_dns_server_answers_queries_to_its_addresses_only(wire):
    tester, dut, port = wire
    ours, other = IPAddress("2001:db8:1::53"), IPAddress("2001:db8:1::54")
    query = IPv6(src="2001:db8:1::5054", dst=str(ours)) / UDP(sport=40000, dport=53) / DNS(
        id=0x1234, rd=1, qd=DNSQR(qname="probe.example", qtype="AAAA")
    )
    with DnsServer(tester, [ours]):
        answer = exchange(dut, port, query)
        assert answer[IPv6].src == str(ours) and answer[UDP].dport == 40000
        assert answer[DNS].id == 0x1234 and answer[DNS].qr == 1 and answer[DNS].an[0].rdata == ANSWER_ADDRESS
        query[IPv6].dst = str(other)
        dut.sendto(bytes(Ether(src=DUT_MAC) / query), ("127.0.0.1", port))
        dut.settimeout(0.5)
        with pytest.raises(socket.timeout):
            dut.recvfrom(65535)


def test_a_well_formed_solicit_has_no_findings():
    packet = Ether(bytes(Ether() / client(DHCP6_Solicit(), DHCP6OptIA_NA(iaid=1), DHCP6OptElapsedTime())))
    assert judge_solicit(packet) == []


def test_solicit_findings_name_what_is_missing_or_wrong():
    packet = Ether(bytes(Ether() / client(DHCP6_Solicit(), source="2001:db8:1::9")))
    findings = " | ".join(judge_solicit(packet))
    assert "not a link-local address" in findings
    assert "no Elapsed Time" in findings
    assert "no IA_NA" in findings


def test_information_request_must_not_ask_for_addresses():
    good = Ether(bytes(Ether() / client(DHCP6_InfoRequest(), DHCP6OptElapsedTime())))
    assert judge_information_request(good) == []
    bad = Ether(bytes(Ether() / client(DHCP6_InfoRequest(), DHCP6OptElapsedTime(), DHCP6OptIA_NA(iaid=1))))
    assert any("DHCP6OptIA_NA" in finding for finding in judge_information_request(bad))


def test_option_request_advisory_names_the_missing_codes():
    old_style = Ether(bytes(Ether() / client(DHCP6_Solicit(), DHCP6OptOptReq(reqopts=[23]))))
    assert missing_requested_options(old_style) == [82]
    current = Ether(bytes(Ether() / client(DHCP6_InfoRequest(), DHCP6OptOptReq(reqopts=[23, 83, 32]))))
    assert missing_requested_options(current) == []


def test_the_testers_claims_are_live_and_refuse_what_is_no_ipv6_address():
    from harness.lab.tester import ClaimedAddresses

    claims = ClaimedAddresses({IPAddress("fe80::1")})
    later = IPAddress("2001:db8::a5")
    assert "fe80::1" in claims and later not in claims
    claims.add(later)
    assert later in claims
    assert "192.0.2.1" not in claims and "not an address" not in claims and None not in claims
