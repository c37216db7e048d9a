"""AP-IPV6, ICMPv6 and extension-header processing: errors where RFC 4443
and RFC 8200 require them, silence where they forbid them. Each error probe
comes from its own tester address, as Linux-style per-destination rate
limits would otherwise swallow later probes."""

import pytest
from scapy.layers.inet import UDP
from scapy.layers.inet6 import (
    HBHOptUnknown,
    ICMPv6DestUnreach,
    ICMPv6EchoRequest,
    ICMPv6ParamProblem,
    ICMPv6Unknown,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
)
from scapy.packet import Raw

from harness.ipv6.frames import any_reply_from, describe, icmp_error, ipv6_from
from harness.ipv6.timers import MAX_MULTICAST_SOLICIT, RETRANS_TIMER_S
from harness.verdict import nonconformant
from harness.lab.addressing import echo_until_reply, require_reachable

pytestmark = pytest.mark.needs_feature("ipv6")

IPV6_HEADER_LENGTH = 40
NEXT_HEADER_FIELD_OFFSET = 6
# The option type (Destination Options) or the Routing Type (Routing header):
# the third byte of the first extension header.
FIRST_EXTENSION_FIELD_OFFSET = IPV6_HEADER_LENGTH + 2
UNASSIGNED_NEXT_HEADER = 200  # RFC 8200 4: not an assigned protocol number here
CLOSED_UDP_PORT = 9  # discard: no listener on the DUT
RATE_LIMIT_PROBES = 30
ERROR_WAIT_S = 2 * RETRANS_TIMER_S


def probe_for_error(dut, tester, build, error_class, destination, attempts: int = MAX_MULTICAST_SOLICIT):
    """Send build(source, destination) from a fresh source until an ICMPv6
    error of that class comes back; the error layer, or None."""
    for _ in range(attempts):
        source = tester.fresh_source()
        mark = dut.recorder.mark()
        tester.send_to_dut(build(str(source), str(destination)), dut.mac)
        frame = dut.recorder.wait_for(lambda p: icmp_error(p, dut.mac, error_class) is not None, ERROR_WAIT_S, since=mark)
        if frame is not None:
            return frame.packet[error_class]
    return None


def expect_no_answer(dut, tester, packet, window: float = ERROR_WAIT_S):
    """Send a probe that must be silently dropped; anything from the DUT that
    quotes or answers it in the window is returned."""
    mark = dut.recorder.mark()
    tester.send_to_dut(packet, dut.mac)
    source = packet[IPv6].src
    return dut.recorder.wait_for(
        lambda p: ipv6_from(p, dut.mac) and p[IPv6].dst == source and p[IPv6].nh in (58, 0), window, since=mark
    )


def expect_parameter_problem(dut, tester, destination, build, clause: str, what: str, code: int, pointer: int) -> None:
    """The probe must draw a Parameter Problem with this code and pointer."""
    error = probe_for_error(dut, tester, build, ICMPv6ParamProblem, destination)
    if error is None:
        nonconformant(clause, f"Parameter Problem for {what}", "no error")
    if (error.code, error.ptr) != (code, pointer):
        nonconformant(clause, f"code {code}, pointer {pointer}", f"code {error.code}, pointer {error.ptr}")


@pytest.mark.requirement("AP-IPV6", "RFC4443-3.4")
def test_unknown_next_header_gives_parameter_problem(dut, tester, global_address):
    """RFC 8200 4 / RFC 4443 3.4: an unrecognised Next Header value gets a
    Parameter Problem, code 1, pointing at the Next Header field."""
    expect_parameter_problem(
        dut, tester, global_address,
        lambda s, d: IPv6(src=s, dst=d, nh=UNASSIGNED_NEXT_HEADER) / Raw(b"\x00" * 8),
        "RFC4443-3.4", f"Next Header {UNASSIGNED_NEXT_HEADER}", code=1, pointer=NEXT_HEADER_FIELD_OFFSET,
    )


@pytest.mark.requirement("AP-IPV6", "RFC8200-4.2")
def test_unrecognised_option_type_10_gives_parameter_problem(dut, tester, global_address):
    """RFC 8200 4.2: an unrecognised option whose two high bits are 10 makes
    the node discard the packet and send Parameter Problem code 2 pointing at
    the option type."""
    option = HBHOptUnknown(otype=0x87, optdata=b"\x00" * 4)
    expect_parameter_problem(
        dut, tester, global_address,
        lambda s, d: IPv6(src=s, dst=d) / IPv6ExtHdrDestOpt(options=[option]) / ICMPv6EchoRequest(),
        "RFC8200-4.2", "destination option type 0x87", code=2, pointer=FIRST_EXTENSION_FIELD_OFFSET,
    )


@pytest.mark.requirement("AP-IPV6", "RFC8200-4.4")
def test_routing_header_type_0_gives_parameter_problem(dut, tester, global_address):
    """RFC 8200 4.4 with RFC 5095: type 0 is an unrecognised routing type;
    with Segments Left non-zero the node sends Parameter Problem code 0
    pointing at the Routing Type field."""
    expect_parameter_problem(
        dut, tester, global_address,
        lambda s, d: IPv6(src=s, dst=d) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8:ffff::99"]) / ICMPv6EchoRequest(),
        "RFC8200-4.4", "routing header type 0", code=0, pointer=FIRST_EXTENSION_FIELD_OFFSET,
    )


@pytest.mark.requirement("AP-IPV6", "RFC8200-4.2")
def test_unrecognised_option_type_00_is_skipped(dut, tester, global_address):
    """RFC 8200 4.2: an unrecognised option whose two high bits are 00 is
    skipped and the rest of the header processed: the echo is answered."""
    option = HBHOptUnknown(otype=0x07, optdata=b"\x00" * 4)
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    source = tester.fresh_source()
    identifier = tester.next_echo_id()
    for _ in range(MAX_MULTICAST_SOLICIT):
        mark = dut.recorder.mark()
        tester.send(IPv6(src=str(source), dst=str(global_address)) / IPv6ExtHdrDestOpt(options=[option]) / ICMPv6EchoRequest(id=identifier), dut.mac)
        if dut.recorder.wait_for(lambda p: any_reply_from(p, dut.mac, identifier), ERROR_WAIT_S, since=mark):
            return
    nonconformant("RFC8200-4.2", "an echo carrying skippable option 0x07 answered", "no reply")


@pytest.mark.requirement("AP-IPV6", "RFC8200-4.7")
def test_no_next_header_is_silently_dropped(dut, tester, global_address):
    """RFC 8200 4.7: Next Header 59 means nothing follows: no error, no answer."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    answer = expect_no_answer(dut, tester, IPv6(src=str(tester.fresh_source()), dst=str(global_address), nh=59) / Raw(b"\x00" * 8))
    if answer is not None:
        nonconformant("RFC8200-4.7", "a packet with Next Header 59 dropped silently", describe(answer.packet))


@pytest.mark.requirement("AP-IPV6", "RFC4443-3.1")
def test_closed_udp_port_gives_port_unreachable(dut, tester, global_address):
    """RFC 4443 3.1: a datagram for a port with no listener gets Destination
    Unreachable code 4 (port unreachable)."""
    error = probe_for_error(
        dut, tester, lambda s, d: IPv6(src=s, dst=d) / UDP(sport=40000, dport=CLOSED_UDP_PORT) / Raw(b"probe"),
        ICMPv6DestUnreach, global_address,
    )
    if error is None:
        nonconformant("RFC4443-3.1", f"Destination Unreachable for UDP port {CLOSED_UDP_PORT}", "no error")
    if error.code != 4:
        nonconformant("RFC4443-3.1", "code 4 (port unreachable)", f"code {error.code}")


@pytest.mark.requirement("AP-IPV6", "RFC4443-2.4")
def test_no_error_for_a_multicast_destination(dut, tester, global_address):
    """RFC 4443 2.4 e.3: no ICMPv6 error for a packet sent to a multicast
    address (closed port to ff02::1). Control: the unicast one is answered."""
    if probe_for_error(dut, tester, lambda s, d: IPv6(src=s, dst=d) / UDP(dport=CLOSED_UDP_PORT), ICMPv6DestUnreach, global_address) is None:
        nonconformant("RFC4443-3.1", "Destination Unreachable for the unicast probe (control)", "no error")
    answer = expect_no_answer(dut, tester, IPv6(src=str(tester.fresh_source()), dst="ff02::1") / UDP(dport=CLOSED_UDP_PORT))
    if answer is not None:
        nonconformant("RFC4443-2.4", "no ICMPv6 error for a datagram sent to ff02::1", describe(answer.packet))


@pytest.mark.requirement("AP-IPV6", "RFC4443-2.4")
def test_unknown_informational_message_is_dropped(dut, tester, global_address):
    """RFC 4443 2.4 b: an unknown informational message (type 200) is
    silently discarded."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    answer = expect_no_answer(dut, tester, IPv6(src=str(tester.fresh_source()), dst=str(global_address)) / ICMPv6Unknown(type=200, msgbody=b"xx"))
    if answer is not None:
        nonconformant("RFC4443-2.4", "ICMPv6 type 200 discarded silently", describe(answer.packet))


@pytest.mark.requirement("AP-IPV6", "RFC8200-3")
def test_hop_limit_zero_to_the_node_is_processed(dut, tester, global_address):
    """RFC 8200 3: only forwarding decrements the hop limit; a packet that
    arrives with hop limit 0 for the node itself is still delivered."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    if echo_until_reply(dut, tester, global_address, source=tester.fresh_source(), hlim=0) is None:
        nonconformant("RFC8200-3", "an echo with hop limit 0 addressed to the DUT answered", "no reply")


@pytest.mark.requirement("AP-IPV6", "RFC8200-3")
def test_traffic_class_and_flow_label_are_tolerated(dut, tester, global_address):
    """RFC 8200 6, 7: non-zero Traffic Class and Flow Label do not stop processing."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    if echo_until_reply(dut, tester, global_address, source=tester.fresh_source(), tc=0x28, fl=0x12345) is None:
        nonconformant("RFC8200-3", "an echo with traffic class 0x28 and flow label 0x12345 answered", "no reply")


@pytest.mark.requirement("AP-IPV6", "RFC4443-2.4")
def test_icmpv6_errors_are_rate_limited(dut, tester, global_address):
    """RFC 4443 2.4 f: a node MUST limit the rate of ICMPv6 error messages it
    originates. A burst of closed-port probes from one source must not get an
    error each. The source is one the DUT has already resolved (an echo
    answered), so nothing is lost to address resolution and read as rate
    limiting; and one probe gets its error (the control) before the burst."""
    source = tester.fresh_source()
    require_reachable(dut, tester, global_address, source=source)

    def probe(port: int) -> None:
        tester.send(IPv6(src=str(source), dst=str(global_address)) / UDP(sport=port, dport=CLOSED_UDP_PORT), dut.mac)

    def is_error(pkt) -> bool:
        return icmp_error(pkt, dut.mac, ICMPv6DestUnreach) is not None

    mark = dut.recorder.mark()
    probe(40999)
    if dut.recorder.wait_for(is_error, ERROR_WAIT_S, since=mark) is None:
        nonconformant("RFC4443-3.1", "a Destination Unreachable for one probe to a closed port (control)", "none")
    mark = dut.recorder.mark()
    for port in range(RATE_LIMIT_PROBES):
        probe(41000 + port)
    dut.recorder.wait_for(lambda p: False, ERROR_WAIT_S, since=mark)  # observation window for the answers
    errors = [f for f in dut.recorder.frames(mark) if f.direction == "rx" and is_error(f.packet)]
    if len(errors) >= RATE_LIMIT_PROBES:
        nonconformant("RFC4443-2.4", f"fewer than {RATE_LIMIT_PROBES} errors for a burst of {RATE_LIMIT_PROBES} probes", f"{len(errors)} errors")
