"""AP-IPV6, neighbour discovery and reachability: the DUT answers neighbours
that ask for it, ignores invalid solicitations, and checks on neighbours that
go quiet."""

import pytest
from scapy.layers.inet6 import ICMPv6ND_NA, IPv6

from harness.ipv6.frames import is_neighbor_advert, is_unicast_neighbor_solicitation, judge_solicited_na
from harness.ipv6.timers import MAX_MULTICAST_SOLICIT, RETRANS_TIMER_S
from harness.verdict import expect_frame, expect_no_findings, nonconformant
from harness.lab.addressing import echo_until_reply

pytestmark = pytest.mark.needs_feature("ipv6")

# RFC 4861 10: DELAY_FIRST_PROBE_TIME; with the RA's ReachableTime of 1 s the
# entry goes stale within 1.5 s (MAX_RANDOM_FACTOR), then the probe follows.
DELAY_FIRST_PROBE_TIME_S = 5.0
NUD_REACHABLE_MS = 1000
NUD_PROBE_WAIT_S = 1.5 * NUD_REACHABLE_MS / 1000 + DELAY_FIRST_PROBE_TIME_S + 2 * RETRANS_TIMER_S


def solicit(dut, tester, target, **ns_args):
    """Up to MAX_MULTICAST_SOLICIT NSs one RetransTimer apart; the NA or None."""
    for _ in range(MAX_MULTICAST_SOLICIT):
        mark = dut.recorder.mark()
        tester.neighbor_solicitation(target, **ns_args)
        frame = dut.recorder.wait_for(lambda p: is_neighbor_advert(p, dut.mac, str(target)), RETRANS_TIMER_S, since=mark)
        if frame is not None:
            return frame
    return None


@pytest.mark.requirement("AP-IPV6", "RFC4861-7.2.4")
def test_solicited_na_for_link_local_address(dut, tester, dut_link_local):
    """RFC 4861 7.2.4: a node answers an NS for its own address with a
    solicited NA (S=1; R=0 from a host) carrying its link-layer address."""
    frame = expect_frame(
        solicit(dut, tester, dut_link_local), "RFC4861-7.2.4",
        f"a Neighbor Advertisement for {dut_link_local} after {MAX_MULTICAST_SOLICIT} solicitations "
        f"{RETRANS_TIMER_S:.0f} s apart",
        "no answer",
    )
    expect_no_findings(judge_solicited_na(frame.packet, dut.mac, str(tester.link_local)), "RFC4861-7.2.4",
                       "a solicited NA with S=1, R=0 and the target link-layer address", frame)


@pytest.mark.requirement("AP-IPV6", "RFC4861-7.2.4")
def test_unicast_ns_is_answered(dut, tester, dut_link_local):
    """RFC 4861 7.2.4 / 7.3.3: a unicast NS (a neighbour's reachability probe)
    gets a solicited NA like a multicast one."""
    frame = solicit(dut, tester, dut_link_local, unicast_mac=dut.mac)
    if frame is None:
        nonconformant("RFC4861-7.2.4", f"a Neighbor Advertisement answering a unicast NS for {dut_link_local}", "no answer")
    if not frame.packet[ICMPv6ND_NA].S:
        nonconformant("RFC4861-7.2.4", "S=1 in the answer to a unicast NS", "S=0")


@pytest.mark.requirement("AP-IPV6", "RFC4861-7.1.1")
def test_ns_with_hop_limit_254_is_ignored(dut, tester, dut_link_local):
    """RFC 4861 7.1.1: an NS whose hop limit is not 255 may have crossed a
    router and MUST be discarded. Control first: a valid NS is answered."""
    if solicit(dut, tester, dut_link_local) is None:
        nonconformant("RFC4861-7.2.4", f"an answer to a valid NS for {dut_link_local} (control)", "no answer")
    answer = solicit(dut, tester, dut_link_local, hop_limit=254)
    if answer is not None:
        nonconformant("RFC4861-7.1.1", "an NS with hop limit 254 silently discarded", "the DUT answered it with an NA")


@pytest.mark.requirement("AP-IPV6", "RFC4861-7.3.3")
def test_unreachable_neighbor_is_probed_with_unicast_ns(dut, tester, slaac):
    """RFC 4861 7.3.3: once a neighbour entry in use goes stale, the host
    sends unicast NSs to confirm the neighbour (NUD) before giving up on it."""
    if slaac.address is None:
        nonconformant("RFC4862-5.5.3", "a global address (needed to exchange traffic)", "none formed")
    tester.router_advertisement(reachable_ms=NUD_REACHABLE_MS)
    peer = tester.fresh_source()
    if echo_until_reply(dut, tester, slaac.address, source=peer) is None:
        nonconformant("RFC4443-4.2", f"an echo reply from {slaac.address} (control)", "no reply")
    tester.answering = False  # the neighbour goes quiet
    try:
        mark = dut.recorder.mark()
        probe = None
        deadline_attempts = int(NUD_PROBE_WAIT_S / RETRANS_TIMER_S)
        for _ in range(deadline_attempts):  # keep the entry in use, as traffic would
            tester.echo_request(slaac.address, dut.mac, source=peer)
            probe = dut.recorder.wait_for(
                lambda p: is_unicast_neighbor_solicitation(p, dut.mac, str(peer)), RETRANS_TIMER_S, since=mark
            )
            if probe is not None:
                break
    finally:
        tester.answering = True
    if probe is None:
        nonconformant(
            "RFC4861-7.3.3",
            f"a unicast NS probing {peer} within {NUD_PROBE_WAIT_S:.0f} s of the entry going stale",
            "no reachability probe",
        )
    if probe.packet[IPv6].dst != str(peer):
        nonconformant("RFC4861-7.3.3", f"the probe addressed to {peer}", f"sent to {probe.packet[IPv6].dst}")


@pytest.mark.requirement("AP-IPV6", "RFC4443-4.2")
def test_echo_reply_on_link_local_address(dut, tester, dut_link_local):
    """RFC 4443 4.2: an Echo Request to the DUT's link-local address is answered."""
    reply = echo_until_reply(dut, tester, dut_link_local, source=tester.link_local)
    if reply is None:
        nonconformant("RFC4443-4.2", f"an Echo Reply from {dut_link_local}", "no reply")


@pytest.mark.requirement("AP-IPV6", "RFC4443-4.2")
def test_echo_reply_to_all_nodes_multicast(dut, tester):
    """RFC 4443 4.2: an Echo Reply SHOULD be sent for an Echo Request sent to
    a multicast address; ff02::1 reaches every IPv6 node on the link."""
    reply = echo_until_reply(dut, tester, "ff02::1", attempts=MAX_MULTICAST_SOLICIT, source=tester.link_local)
    if reply is None:
        nonconformant("RFC4443-4.2", "an Echo Reply to an Echo Request sent to ff02::1", "no reply")
