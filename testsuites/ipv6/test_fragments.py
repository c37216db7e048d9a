"""AP-IPV6, fragmentation and path MTU: the DUT reassembles, times out
incomplete reassemblies, honours Packet Too Big and never falls back to
atomic fragments (RFC 8200 4.5, RFC 8201, RFC 8021)."""

import pytest
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6PacketTooBig,
    ICMPv6TimeExceeded,
    IPv6,
    IPv6ExtHdrFragment,
    fragment6,
)

from harness.ipv6.frames import any_reply_from, icmp_error, ipv6_from
from harness.ipv6.timers import LINK_UP_ALLOWANCE_S, MAX_MULTICAST_SOLICIT, RETRANS_TIMER_S
from harness.verdict import expect_within, nonconformant
from harness.lab.addressing import echo_until_reply, require_reachable

pytestmark = pytest.mark.needs_feature("ipv6")

MINIMUM_MTU = 1280  # RFC 8200 5
REASSEMBLY_TIMEOUT_S = 60.0  # RFC 8200 4.5
# RFC 8200 5: a node must accept a fragmented packet that reassembles to
# 1500 octets: an echo of 1452 data octets (40 + 8 octets of headers), two
# 1280-byte fragments. Larger packets are measured, not required.
REQUIRED_REASSEMBLY_OCTETS = 1500
ECHO_HEADER_OCTETS = 48
REQUIRED_ECHO = REQUIRED_REASSEMBLY_OCTETS - ECHO_HEADER_OCTETS
LARGE_ECHO = 3000
PMTU_PAYLOAD = 1400  # a 1448-byte reply: fits the 1500-byte link, not 1280
SMALL_BELOW_MINIMUM_PTB = 1000
REPLY_WAIT_S = 2 * RETRANS_TIMER_S


def send_fragmented_echo(dut, tester, destination, source, payload_size, fragment_size=MINIMUM_MTU) -> int:
    identifier = tester.next_echo_id()
    packet = IPv6(src=str(source), dst=str(destination)) / IPv6ExtHdrFragment(id=identifier) / ICMPv6EchoRequest(
        id=identifier, data=b"\xa5" * payload_size
    )
    for fragment in fragment6(packet, fragment_size):
        tester.send(fragment, dut.mac)
    return identifier


def reply_frames(dut, mark):
    return [f for f in dut.recorder.frames(mark) if f.direction == "rx" and ipv6_from(f.packet, dut.mac)]


def fragmented_echo_answered(dut, tester, destination, payload_size: int) -> bool:
    for _ in range(MAX_MULTICAST_SOLICIT):
        mark = dut.recorder.mark()
        identifier = send_fragmented_echo(dut, tester, destination, tester.fresh_source(), payload_size)
        if dut.recorder.wait_for(lambda p: any_reply_from(p, dut.mac, identifier), REPLY_WAIT_S, since=mark):
            return True
    return False


@pytest.mark.requirement("AP-IPV6", "RFC8200-4.5")
def test_fragmented_echo_is_reassembled(dut, tester, global_address, observations):
    """RFC 8200 4.5 and 5: an echo that reassembles to 1500 octets, sent in
    1280-byte fragments, is reassembled and answered. A 3048-octet one (three
    fragments) is measured beside it: more than RFC 8200 asks."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    if not fragmented_echo_answered(dut, tester, global_address, REQUIRED_ECHO):
        nonconformant("RFC8200-4.5", f"a reply to an echo of {REQUIRED_REASSEMBLY_OCTETS} octets sent in fragments "
                      "(RFC 8200 5: every node reassembles 1500)", "no reply")
    large = ECHO_HEADER_OCTETS + LARGE_ECHO
    answered = fragmented_echo_answered(dut, tester, global_address, LARGE_ECHO)
    observations.measure("largest reassembled packet", large if answered else REQUIRED_REASSEMBLY_OCTETS, "octets")
    if not answered:
        observations.advise("RFC8200-4.5", f"a {large}-octet echo in fragments was not answered: the unit reassembles "
               f"{REQUIRED_REASSEMBLY_OCTETS} octets, as RFC 8200 5 requires, but not {large}")


@pytest.mark.requirement("AP-IPV6", "RFC6946-4")
def test_atomic_fragment_is_processed(dut, tester, global_address):
    """RFC 6946 4 / RFC 8200 4.5: a packet with a Fragment header at offset 0
    and M=0 is processed on its own, not queued for reassembly."""
    require_reachable(dut, tester, global_address, source=tester.fresh_source())
    for _ in range(MAX_MULTICAST_SOLICIT):
        mark = dut.recorder.mark()
        identifier = tester.next_echo_id()
        tester.send(
            IPv6(src=str(tester.fresh_source()), dst=str(global_address)) / IPv6ExtHdrFragment(offset=0, m=0, id=identifier)
            / ICMPv6EchoRequest(id=identifier), dut.mac,
        )
        if dut.recorder.wait_for(lambda p: any_reply_from(p, dut.mac, identifier), REPLY_WAIT_S, since=mark):
            return
    nonconformant("RFC6946-4", "an atomic fragment (offset 0, M=0) processed and answered", "no reply")


@pytest.mark.slow
@pytest.mark.requirement("AP-IPV6", "RFC8200-4.5")
def test_incomplete_reassembly_times_out_with_time_exceeded(dut, tester, global_address, observations):
    """RFC 8200 4.5: if a packet's fragments are not all received within 60 s
    of the first, reassembly is abandoned and, the first fragment having
    arrived, a Time Exceeded code 1 is sent (slow: waits the full timer)."""
    packet = IPv6(src=str(tester.fresh_source()), dst=str(global_address)) / IPv6ExtHdrFragment(id=0x7E57) / ICMPv6EchoRequest(
        data=b"\xa5" * LARGE_ECHO
    )
    first = fragment6(packet, MINIMUM_MTU)[0]
    mark = dut.recorder.mark()
    tester.send(first, dut.mac)
    frame = dut.recorder.wait_for(
        lambda p: icmp_error(p, dut.mac, ICMPv6TimeExceeded) is not None, REASSEMBLY_TIMEOUT_S + LINK_UP_ALLOWANCE_S, since=mark
    )
    if frame is None:
        nonconformant("RFC8200-4.5", f"Time Exceeded (code 1) within {REASSEMBLY_TIMEOUT_S:.0f} s of a lone first fragment", "none")
    waited = observations.measure(
        "reassembly timeout", frame.time - dut.recorder.frames(mark, mark + 1)[0].time, "s", low=REASSEMBLY_TIMEOUT_S - 1
    )
    if frame.packet[ICMPv6TimeExceeded].code != 1:
        nonconformant("RFC8200-4.5", "code 1 (fragment reassembly time exceeded)", f"code {frame.packet[ICMPv6TimeExceeded].code}",
                      frame)
    expect_within(waited, "RFC8200-4.5", f"reassembly abandoned after {REASSEMBLY_TIMEOUT_S:.0f} s", frame)


def too_big(tester, dut_reply, mtu):
    """Packet Too Big from the tester router quoting the DUT's own packet."""
    quoted = bytes(dut_reply.packet[IPv6])[: MINIMUM_MTU - 48]
    return IPv6(src=str(tester.global_address), dst=dut_reply.packet[IPv6].src) / ICMPv6PacketTooBig(mtu=mtu) / quoted


@pytest.mark.requirement("AP-IPV6", "RFC8201-4")
def test_packet_too_big_lowers_the_path_mtu(dut, tester, global_address):
    """RFC 8201 4: a Packet Too Big makes the node send later packets to that
    destination in pieces no larger than the reported MTU."""
    peer = tester.fresh_source()
    control = echo_until_reply(dut, tester, global_address, source=peer, payload=b"\x5a" * PMTU_PAYLOAD)
    if control is None or IPv6ExtHdrFragment in control.packet:
        nonconformant("RFC4443-4.2", f"an unfragmented reply to a {PMTU_PAYLOAD}-byte echo (control)", "none" if control is None else "fragmented")
    tester.send(too_big(tester, control, MINIMUM_MTU), dut.mac)
    mark = dut.recorder.mark()
    reply = echo_until_reply(dut, tester, global_address, source=peer, payload=b"\x5a" * PMTU_PAYLOAD)
    sizes = [len(f.packet[IPv6]) for f in reply_frames(dut, mark)]
    if reply is None:
        nonconformant("RFC8201-4", "a (fragmented) reply after the Packet Too Big", "no reply")
    if max(sizes) > MINIMUM_MTU:
        nonconformant("RFC8201-4", f"packets of at most {MINIMUM_MTU} bytes to {peer}", f"packets of {sorted(set(sizes))} bytes")


@pytest.mark.requirement("AP-IPV6", "RFC8021-2")
def test_packet_too_big_below_minimum_makes_no_atomic_fragments(dut, tester, global_address):
    """RFC 8021 2 / RFC 8201 4: a Packet Too Big reporting less than 1280 must
    not lead to atomic fragments; small packets still leave whole."""
    peer = tester.fresh_source()
    control = echo_until_reply(dut, tester, global_address, source=peer, payload=b"\x5a" * PMTU_PAYLOAD)
    if control is None:
        nonconformant("RFC4443-4.2", "an echo reply (control)", "no reply")
    tester.send(too_big(tester, control, SMALL_BELOW_MINIMUM_PTB), dut.mac)
    reply = echo_until_reply(dut, tester, global_address, source=peer, payload=b"small")
    if reply is None:
        nonconformant("RFC4443-4.2", "a reply to a small echo after the Packet Too Big", "no reply")
    if IPv6ExtHdrFragment in reply.packet:
        nonconformant("RFC8021-2", "no Fragment header on a packet that fits 1280 bytes", "an atomic fragment")
