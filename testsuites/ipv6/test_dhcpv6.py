"""AP-IPV6, DHCPv6 as the router asks for it: the Managed flag of an RA
starts address configuration with a Solicit (RFC 8415 18.2.1), the Other
flag alone an Information-request (18.2.6); addresses and DNS servers the
server hands out are then used. RFC 8504 makes DHCPv6 a SHOULD; the
declaration's `dhcpv6` feature says the DUT implements it."""

from dataclasses import dataclass

import pytest
from scapy.layers.dhcp6 import DHCP6_Reply, DHCP6OptIAAddress
from scapy.layers.inet6 import IPv6

from harness.ipv6.addresses import ip
from harness.ipv6.dhcpv6 import (
    is_information_request,
    is_solicit,
    judge_information_request,
    judge_solicit,
    missing_requested_options,
)
from harness.ipv6.frames import describe as describe_frame, is_dad_probe, sent_by
from harness.ipv6.timers import DAD_PROBE_WAIT_S, DHCPV6_LEASE_WAIT_S, DHCPV6_START_WAIT_S, SOL_TIMEOUT_S
from harness.peers.dhcpv6_server import Dhcpv6Server
from harness.peers.dns_server import DnsServer
from harness.verdict import expect_frame, expect_no_findings, nonconformant
from harness.lab.addressing import echo_until_reply, fresh_prefix, require_reachable
from testsuites.ipv6.dns_lookups import describe, look_up_until_asked

pytestmark = [pytest.mark.needs_feature("ipv6"), pytest.mark.needs_feature("dhcpv6")]

@dataclass
class ModuleServer:
    """The tester's DHCPv6 server, and the DUT boot (generation) in which a
    case last asked the DUT for DHCPv6: a client then holds a lease or a
    mode, and RFC 8415 gives a router no message that ends either."""

    dhcpv6: Dhcpv6Server
    asked_in: int | None = None


@pytest.fixture(scope="module")
def module_server(dut, tester):
    """One server for the module; the module leaves no DHCPv6 client behind
    (a unit it asked is rebooted), so no later case meets one."""
    with Dhcpv6Server(tester, fresh_prefix()) as dhcpv6:
        module = ModuleServer(dhcpv6)
        yield module
        if module.asked_in == dut.generation:
            dut.reboot()


@pytest.fixture
def server(dut, module_server, request):
    """Each case starts from a client with no lease and no mode (RFC 8415
    18.2): a unit an earlier case asked for DHCPv6 in this boot is rebooted
    first (the cost of a boot, where a link restart would leave a lease
    to Confirm or Rebind, RFC 8415 18.2.3, 18.2.12)."""
    if module_server.asked_in == dut.generation:
        dut.reboot()
    request.getfixturevalue("configured")
    yield module_server.dhcpv6
    module_server.asked_in = dut.generation
    module_server.dhcpv6.dns_servers = []


def dut_messages(dut, since: int, match) -> list:
    return [f.packet for f in dut.recorder.frames(since) if f.direction == "rx" and match(f.packet, dut.mac)]


def note_option_request(packet, observations) -> None:
    """Advisory (not a failure): options RFC 8415 wants requested that are not."""
    missing = missing_requested_options(packet)
    if missing:
        observations.advise(
            "RFC8415-18.2.1",
            f"the Option Request option lacks {', '.join(map(str, missing))} "
            "(RFC 8415 18.2.1 / 18.2.6, from RFC 7083); an RFC 3315-era client does not ask for them.",
        )


def wait_for_server_reply(dut, tester, since: int, timeout: float):
    """The tester server's Reply (to a Request or an Information-request)."""
    return dut.recorder.wait_for(lambda p: sent_by(p, tester.mac) and DHCP6_Reply in p, timeout, since=since, direction="tx")


@pytest.mark.requirement("AP-IPV6", "RFC8415-18.2.1")
def test_managed_flag_starts_a_solicit(dut, tester, server, observations):
    """RFC 4861 4.2 / RFC 8415 18.2.1: an RA with M=1 says addresses are
    available by DHCPv6; the client sends a Solicit from its link-local
    address to ff02::1:2, naming itself and asking for an IA_NA."""
    mark = dut.recorder.mark()
    tester.router_advertisement(managed=True)
    solicit = expect_frame(dut.recorder.wait_for(lambda p: is_solicit(p, dut.mac), DHCPV6_START_WAIT_S, since=mark),
                           "RFC8415-18.2.1", f"a DHCPv6 Solicit within {DHCPV6_START_WAIT_S:.0f} s of an RA with M=1", "none")
    note_option_request(solicit.packet, observations)
    expect_no_findings(judge_solicit(solicit.packet), "RFC8415-18.2.1", "a well-formed Solicit", solicit)


@pytest.mark.requirement("AP-IPV6", "RFC8415-18.2.6")
def test_other_flag_alone_starts_an_information_request(dut, tester, server, observations):
    """RFC 4861 4.2 / RFC 8415 18.2.6: M=0 with O=1 says only other
    configuration comes by DHCPv6: an Information-request, carrying no IA
    option, and no Solicit for addresses the router did not offer."""
    mark = dut.recorder.mark()
    tester.router_advertisement(other=True)
    request = expect_frame(
        dut.recorder.wait_for(lambda p: is_information_request(p, dut.mac), DHCPV6_START_WAIT_S, since=mark),
        "RFC8415-18.2.6", f"a DHCPv6 Information-request within {DHCPV6_START_WAIT_S:.0f} s of an RA with O=1, M=0", "none",
    )
    note_option_request(request.packet, observations)
    findings = judge_information_request(request.packet)
    solicits = dut_messages(dut, mark, is_solicit)
    if solicits:
        findings.append(f"{len(solicits)} Solicit(s) although the RA had M=0")
    expect_no_findings(findings, "RFC8415-18.2.6", "an Information-request and nothing else", request)


@pytest.mark.requirement("AP-IPV6", "RFC8415-18.2.10.1", "RFC8415-18.2.2", "RFC4862-5.4")
def test_address_from_dhcpv6_is_used(dut, tester, server, dut_link_local):
    """RFC 8415 18.2.10.1: the addresses in a Reply's IA_NA are assigned to
    the interface after DAD (RFC 4862 5.4: every unicast address is probed
    before it is used, however it was configured) and answer. The RA's prefix (the server's pool)
    has A=0, so the only address the DUT can have in it is the leased one.
    Control: the DUT answers echo on its link-local address."""
    require_reachable(dut, tester, dut_link_local, source=tester.link_local)
    prefix = server.pool
    mark = dut.recorder.mark()
    tester.router_advertisement(prefix, autonomous=False, managed=True)
    reply = dut.recorder.wait_for(lambda p: sent_by(p, tester.mac) and DHCP6_Reply in p and DHCP6OptIAAddress in p,
                                  DHCPV6_LEASE_WAIT_S, since=mark, direction="tx")
    if reply is None:
        nonconformant(
            "RFC8415-18.2.2",
            f"Solicit, then a Request for the advertised address, within {DHCPV6_LEASE_WAIT_S:.0f} s of an RA with M=1",
            f"{len(dut_messages(dut, mark, is_solicit))} Solicit(s) and no Request",
        )
    # The address this boot's client was given (a DUT revived since an
    # earlier case has a new DUID, and its old lease is still in the server).
    leased = ip(reply.packet[DHCP6OptIAAddress].addr)
    probe = dut.recorder.wait_for(lambda p: is_dad_probe(p, dut.mac, tester.claimed, target=leased), DAD_PROBE_WAIT_S,
                                  since=reply.index)
    used = next((f for f in dut.recorder.frames(reply.index, probe.index if probe else None)
                 if f.direction == "rx" and IPv6 in f.packet and ip(f.packet[IPv6].src) == leased), None)
    if probe is None or used is not None:
        seen = f"{describe_frame(used.packet)} before any probe" if used else f"no probe within {DAD_PROBE_WAIT_S:.0f} s"
        nonconformant("RFC4862-5.4", f"a DAD probe for the leased address {leased} before it is used", seen)
    answer = echo_until_reply(dut, tester, leased, source=tester.claim(ip(prefix.first | 0xA6)))
    if answer is None or ip(answer.packet[IPv6].src) != leased:
        seen = f"reply from {answer.packet[IPv6].src}" if answer else "no reply"
        nonconformant("RFC8415-18.2.10.1", f"an echo reply from the leased address {leased}", seen)


@pytest.mark.requirement("AP-IPV6", "RFC3646-3")
@pytest.mark.needs_command("resolve")
def test_dns_server_from_dhcpv6_is_used(dut, tester, server):
    """RFC 3646 3 / RFC 8415 18.2.6: the DNS servers of an Information-request's
    Reply go to the host's resolver, which then sends its queries there."""
    dns = tester.fresh_source()
    server.dns_servers = [str(dns)]
    with DnsServer(tester, [dns]):
        mark = dut.recorder.mark()
        tester.router_advertisement(other=True)
        if wait_for_server_reply(dut, tester, mark, DHCPV6_START_WAIT_S + SOL_TIMEOUT_S) is None:
            nonconformant("RFC8415-18.2.6", "an Information-request answered by the tester's server", "none sent")
        last, lookups = look_up_until_asked(dut, dns)
    if dns not in last.servers_asked:
        nonconformant("RFC3646-3", f"a DNS query to {dns}, the server of the DHCPv6 Reply", describe(lookups))
