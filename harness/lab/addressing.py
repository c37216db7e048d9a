"""Bringing the DUT to an addressed state on the lab link, and learning its
addresses the way a neighbour would, from the wire alone: any firmware that
brings its interface up can be configured so. Used by every suite that
needs the unit on the network (IPv6, identity, secid, data)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from netaddr import IPAddress, IPNetwork
from scapy.layers.inet6 import ICMPv6ND_NS, IPv6

from harness.context import Dut
from harness.ipv6.addresses import in_prefix, ip, is_link_local
from harness.ipv6.frames import any_reply_from, is_dad_probe, is_router_solicitation
from harness.ipv6.timers import DAD_PROBE_WAIT_S, RETRANS_TIMER_S, ROUTER_SOLICITATION_WAIT_S
from harness.lab.preparation import restart_link
from harness.lab.tester import TesterNode
from harness.values.frames import Frame

# A tentative address answers nothing (RFC 4862 5.4): echo once per
# RetransTimer until DAD has had time to finish.
ECHO_ATTEMPTS = int(DAD_PROBE_WAIT_S / RETRANS_TIMER_S)
# From link-up to the DUT's first packet from its link-local address: the
# DAD probe, one RetransTimer, then the RS after its random delay.
LINK_LOCAL_IN_USE_WAIT_S = ROUTER_SOLICITATION_WAIT_S
# Documentation prefixes (RFC 3849), one per test that needs its own.
_prefixes = itertools.count(0x10)


def fresh_prefix() -> IPNetwork:
    return IPNetwork(f"2001:db8:{next(_prefixes):x}::/64")


def echo_until_reply(dut, tester, destination, attempts: int = ECHO_ATTEMPTS, **echo_args) -> Frame | None:
    """Echo requests one RetransTimer apart until one is answered; the reply, or None."""
    for _ in range(attempts):
        mark = dut.recorder.mark()
        identifier = tester.echo_request(destination, dut.mac, **echo_args)
        reply = dut.recorder.wait_for(lambda p: any_reply_from(p, dut.mac, identifier), RETRANS_TIMER_S, since=mark)
        if reply is not None:
            return reply
    return None


def require_reachable(dut, tester, address, **echo_args) -> None:
    """Control for a case judged by echo replies: a plain echo to `address`
    is answered, so a DUT that never replies to echo fails on RFC 4443 4.2
    rather than on the clause the case is about (or passes a must-not-answer
    case without having been tested)."""
    from harness.verdict import nonconformant

    if echo_until_reply(dut, tester, address, **echo_args) is None:
        nonconformant("RFC4443-4.2", f"an echo reply from {address} (control)", "no reply")


def dad_probe_in(dut, tester, prefix: IPNetwork | None = None):
    """A predicate: the DUT's DAD probe for an address in `prefix`, or for a
    link-local address when no prefix is given."""

    def probed(pkt) -> bool:
        if not is_dad_probe(pkt, dut.mac, tester.claimed):
            return False
        target = pkt[ICMPv6ND_NS].tgt
        return is_link_local(target) if prefix is None else in_prefix(target, prefix)

    return probed


def address_in_prefix(dut, tester, prefix: IPNetwork, since: int, wait: float = DAD_PROBE_WAIT_S) -> IPAddress | None:
    """The address the DUT formed in `prefix`: from its DAD probe when it sends
    one, else from the source it answers an all-nodes echo with (RFC 6724
    picks the address matching the asker's prefix), so a DUT that skips DAD
    is still seen to have an address."""
    probe = dut.recorder.wait_for(dad_probe_in(dut, tester, prefix), wait, since=since)
    if probe is not None:
        return ip(probe.packet[ICMPv6ND_NS].tgt)
    source = tester.claim(IPAddress(prefix.first | 0xA5, 6))
    reply = echo_until_reply(dut, tester, "ff02::1", attempts=2, source=source)
    if reply is not None and in_prefix(reply.packet[IPv6].src, prefix):
        return ip(reply.packet[IPv6].src)
    return None


@dataclass(frozen=True)
class SlaacOutcome:
    prefix: IPNetwork
    router_solicitation: Frame | None
    dad_probe: Frame | None
    address: IPAddress | None


def restarted_link_solicitation(dut) -> Frame | None:
    """The first RS of a link just restarted (call it once the restart
    command returned). An RS needs the new link-local address (RFC 4861
    6.3.7, after its DAD): one seen before the command returned came from
    the old link (a unit fresh from boot still soliciting), and an RA
    answering it is lost while the link is down."""
    restarted = dut.recorder.mark()
    return dut.recorder.wait_for(lambda p: is_router_solicitation(p, dut.mac), ROUTER_SOLICITATION_WAIT_S,
                                 since=restarted)


def configure_by_router(dut, tester, prefix: IPNetwork | None = None) -> SlaacOutcome:
    """Fresh link-up, answer the DUT's RS with an RA carrying `prefix` (sent
    unsolicited if no RS comes), then learn the address it forms."""
    prefix = prefix or tester.prefix
    restart_link(dut)
    solicitation = restarted_link_solicitation(dut)
    mark = dut.recorder.mark()
    tester.router_advertisement(prefix)
    probe = dut.recorder.wait_for(dad_probe_in(dut, tester, prefix), DAD_PROBE_WAIT_S, since=mark)
    address = ip(probe.packet[ICMPv6ND_NS].tgt) if probe else address_in_prefix(dut, tester, prefix, mark, wait=0)
    return SlaacOutcome(prefix, solicitation, probe, address)


def usable_configuration(dut: Dut, tester: TesterNode) -> SlaacOutcome:
    """configure_by_router, handed over once the address answers: a
    tentative address drops what comes to it (RFC 4862 5.4), so the first
    stimulus after a fresh configuration would be lost (measured: the
    reassembly-timeout case alone got no Time Exceeded). Bounded; a unit
    that ignores echoes is judged by the cases, not here."""
    outcome = configure_by_router(dut, tester)
    if outcome.address is not None:
        echo_until_reply(dut, tester, outcome.address)
    return outcome


def configure_unit(dut: Dut, tester: TesterNode) -> IPAddress | None:
    """The unit's global address from the tester's router advertisement,
    once usable: a tentative address answers nothing (RFC 4862 5.4), and
    until its DAD is over the unit would source its connections from
    another interface's address. Bounded; a unit that ignores echoes is
    judged by the cases, not here."""
    return usable_configuration(dut, tester).address


@dataclass
class UnitAddress:
    """The unit's address (configure_unit) for the DUT state it was formed in:
    a reboot, a revival or another case's link restart lost it, so the unit
    is configured again."""

    dut: Dut
    tester: TesterNode
    _address: IPAddress | None = None
    _epoch: tuple[int, int] | None = None

    def current(self) -> IPAddress | None:
        if self._epoch != self.dut.epoch:
            self._address = configure_unit(self.dut, self.tester)
            self._epoch = self.dut.epoch  # after the configuration's own link restart
        return self._address
