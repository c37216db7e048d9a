"""AP-IPV6, router and prefix discovery: the DUT takes what a valid Router
Advertisement says and ignores what an invalid one says (RFC 4861 6.1.2,
6.3.4; RFC 4862 5.5.3). Every "ignored" case has a control in the same test:
a valid RA that is acted on, so a DUT that ignores everything still fails."""

import time

import pytest
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment

from harness.ipv6.frames import ipv6_from, is_router_solicitation
from harness.ipv6.timers import (
    MAX_RA_DELAY_TIME_S,
    MAX_RTR_SOLICITATION_DELAY_S,
    PROCESSING_ALLOWANCE_S,
    RTR_SOLICITATION_INTERVAL_S,
)
from harness.verdict import nonconformant
from harness.lab.preparation import restart_link
from harness.lab.addressing import (
    address_in_prefix, echo_until_reply, fresh_prefix, require_reachable, restarted_link_solicitation,
)

pytestmark = [pytest.mark.needs_feature("ipv6"), pytest.mark.needs_feature("slaac")]

ADVERTISED_HOP_LIMIT = 77
ADVERTISED_MTU = 1400
LARGE_PAYLOAD = 1400  # an echo reply of 1448 bytes: above the advertised MTU, below the link's
# Counted from the first RS: a retransmission comes one interval after it,
# plus up to 10 % (RFC 7559 2).
NO_MORE_RS_WINDOW_S = 1.1 * RTR_SOLICITATION_INTERVAL_S + PROCESSING_ALLOWANCE_S


def check_ignored(dut, tester, clause: str, what: str, **invalid_ra) -> None:
    """From a fresh link (the link_up fixture: no address but the link-local
    one, so a unit with a small address table has room), send the invalid RA
    (its own prefix), then a valid control RA (another prefix); the control
    must yield an address, the invalid one must not. A unit that formed an
    address from the invalid RA fails on that, even where it then had no
    room left for the control's."""
    restarted_link_solicitation(dut)
    invalid, control = fresh_prefix(), fresh_prefix()
    mark = dut.recorder.mark()
    tester.router_advertisement(invalid, **invalid_ra)
    tester.router_advertisement(control)
    controlled = address_in_prefix(dut, tester, control, mark)
    # Each new address starts DAD after its own random delay of up to
    # MAX_RTR_SOLICITATION_DELAY (RFC 4862 5.4.2), so one formed from the
    # invalid RA may show up that long after the control's.
    formed = address_in_prefix(dut, tester, invalid, mark, wait=MAX_RTR_SOLICITATION_DELAY_S if controlled else 0)
    if formed is not None:
        nonconformant(clause, f"{what} ignored: no address from {invalid}", f"formed {formed}")
    if controlled is None:
        nonconformant("RFC4862-5.5.3", f"an address from the valid control RA's prefix {control}", "none formed")


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.1.2")
def test_ra_with_hop_limit_254_is_ignored(dut, tester, link_up):
    """RFC 4861 6.1.2: an RA whose IP hop limit is not 255 MUST be discarded."""
    check_ignored(dut, tester, "RFC4861-6.1.2", "an RA with hop limit 254", hop_limit=254)


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.1.2")
def test_ra_from_a_global_source_is_ignored(dut, tester, link_up):
    """RFC 4861 6.1.2: an RA whose source is not link-local MUST be discarded."""
    check_ignored(dut, tester, "RFC4861-6.1.2", "an RA from a global source", source=tester.global_address)


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.5.3")
def test_prefix_length_96_is_ignored(dut, tester, link_up):
    """RFC 4862 5.5.3 d: a prefix whose length plus the 64-bit interface
    identifier is not 128 bits MUST be ignored for autoconfiguration."""
    check_ignored(dut, tester, "RFC4862-5.5.3", "a /96 Prefix Information option", prefix_length=96)


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.5.3")
def test_prefix_without_autonomous_flag_forms_no_address(dut, tester, link_up):
    """RFC 4862 5.5.3 a: with the autonomous flag clear the option is ignored for SLAAC."""
    check_ignored(dut, tester, "RFC4862-5.5.3", "a prefix with A=0", autonomous=False)


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.5.3")
def test_preferred_lifetime_above_valid_is_ignored(dut, tester, link_up):
    """RFC 4862 5.5.3 c: a preferred lifetime greater than the valid lifetime
    makes the option invalid."""
    check_ignored(dut, tester, "RFC4862-5.5.3", "a prefix with preferred > valid lifetime", valid=600, preferred=1200)


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.4")
def test_advertised_cur_hop_limit_is_used(dut, tester, global_address):
    """RFC 4861 6.3.4: a non-zero Cur Hop Limit becomes the host's default
    hop limit for the packets it sends."""
    tester.router_advertisement(cur_hop_limit=ADVERTISED_HOP_LIMIT)
    try:
        reply = None
        for _ in range(3):  # the RA and the echo race: the first reply may predate it
            reply = echo_until_reply(dut, tester, global_address)
            if reply is not None and reply.packet[IPv6].hlim == ADVERTISED_HOP_LIMIT:
                break
    finally:
        tester.router_advertisement(cur_hop_limit=64)
    if reply is None:
        nonconformant("RFC4443-4.2", f"an echo reply from {global_address}", "no reply")
    if reply.packet[IPv6].hlim != ADVERTISED_HOP_LIMIT:
        nonconformant("RFC4861-6.3.4", f"hop limit {ADVERTISED_HOP_LIMIT} after the RA", f"hop limit {reply.packet[IPv6].hlim}")


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.4")
def test_advertised_mtu_is_used(dut, tester, global_address):
    """RFC 4861 6.3.4 / 4.6.4: the MTU option sets the link MTU; larger
    packets must then leave the host in fragments that fit it."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    tester.router_advertisement(mtu=ADVERTISED_MTU)
    try:
        mark = dut.recorder.mark()
        reply = echo_until_reply(dut, tester, global_address, source=tester.fresh_source(), payload=b"\x5a" * LARGE_PAYLOAD)
        frames = [f for f in dut.recorder.frames(mark) if f.direction == "rx" and ipv6_from(f.packet, dut.mac)]
    finally:
        tester.router_advertisement(mtu=1500)
    if reply is None:
        nonconformant("RFC4861-6.3.4", f"a (fragmented) reply to a {LARGE_PAYLOAD}-byte echo", "no reply")
    oversized = [len(f.packet[IPv6]) for f in frames if len(f.packet[IPv6]) > ADVERTISED_MTU]
    if oversized or IPv6ExtHdrFragment not in reply.packet:
        nonconformant(
            "RFC4861-6.3.4",
            f"packets of at most {ADVERTISED_MTU} bytes after an RA with MTU {ADVERTISED_MTU}",
            f"packets of {oversized} bytes" if oversized else "an unfragmented reply",
        )


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.4", "RFC4861-5.2")
def test_off_link_destination_is_reached_through_the_router(dut, tester, global_address):
    """RFC 4861 5.2 / 6.3.4: traffic to an off-link destination goes to the
    default router learned from the RA (the tester's MAC). Control: an on-link
    source is answered."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    far = tester.off_link_source()
    reply = echo_until_reply(dut, tester, global_address, source=far)
    if reply is None:
        nonconformant("RFC4861-6.3.4", f"an echo reply to the off-link {far} via the default router", "no reply")
    if reply.packet.dst.lower() != tester.mac:
        nonconformant("RFC4861-5.2", f"the reply sent to the router's MAC {tester.mac}", f"sent to {reply.packet.dst}")


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.4")
def test_router_lifetime_zero_removes_the_default_route(dut, tester, slaac):
    """RFC 4861 6.3.4: an RA with Router Lifetime 0 removes the router from
    the default router list: off-link destinations become unreachable."""
    if slaac.address is None:
        nonconformant("RFC4862-5.5.3", "a global address (needed for this test)", "none formed")
    if echo_until_reply(dut, tester, slaac.address, source=tester.off_link_source()) is None:
        nonconformant("RFC4861-6.3.4", "an off-link destination reachable via the default router (control)", "no reply")
    tester.router_advertisement(router_lifetime=0)
    far = tester.off_link_source()
    reply = echo_until_reply(dut, tester, slaac.address, source=far, attempts=3)
    restart_link(dut)  # leave no router-less DUT behind
    if reply is not None:
        nonconformant("RFC4861-6.3.4", f"no route to the off-link {far} after Router Lifetime 0", "the DUT still answered")


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.7")
def test_solicitations_stop_after_an_advertisement(dut, tester, link_up):
    """RFC 4861 6.3.7: once a valid RA with a non-zero Router Lifetime has
    been received, the host MUST desist from sending solicitations."""
    first = restarted_link_solicitation(dut)
    if first is None:
        nonconformant("RFC4861-6.3.7", "a Router Solicitation after link-up (control)", "none")
    # A router answers after a random delay of up to MAX_RA_DELAY_TIME (RFC
    # 4861 6.2.6); the tester takes all of it. An answer within microseconds
    # can overtake the host's record of the RS it just sent (Linux marks the
    # interface as soliciting after the RS leaves; an RA handled in between
    # does not stop the retransmissions): a race, not what this case judges.
    dut.recorder.wait_for(lambda p: False, MAX_RA_DELAY_TIME_S, since=first.index + 1)
    tester.router_advertisement()
    mark = dut.recorder.mark()
    until_retransmission = first.time + NO_MORE_RS_WINDOW_S - time.time()
    more = dut.recorder.wait_for(lambda p: is_router_solicitation(p, dut.mac), max(until_retransmission, 0.0), since=mark)
    if more is not None:
        nonconformant("RFC4861-6.3.7", "no further Router Solicitation after a valid RA", f"an RS {more.time - first.time:.1f} s after the first")
