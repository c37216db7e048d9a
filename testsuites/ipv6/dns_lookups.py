"""Driving the DUT's own resolver through the declared `resolve` command and
reading, from the wire, which DNS servers it asked."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from netaddr import IPAddress
from scapy.layers.inet6 import IPv6

from harness.drivers.console import run_command
from harness.ipv6.addresses import ip
from harness.ipv6.timers import LINK_UP_ALLOWANCE_S
from harness.peers.dns_server import is_dns_query

# Lab allowance for one lookup: a resolver may wait out each silent server
# in turn (busybox nslookup: about 5 s per server).
LOOKUP_TIMEOUT_S = 40.0
# How long after an RA or a Reply the DUT may take to hand new servers to
# its resolver (the reference DUT: up to about 1 s under TCG); lookups are
# repeated within it. Nothing on the wire marks the update, so between two
# lookups the harness waits for the DUT to query the server on its own,
# at most one retry interval.
RESOLVER_UPDATE_WAIT_S = LINK_UP_ALLOWANCE_S
LOOKUP_RETRY_INTERVAL_S = 0.25
# A lookup no server answered fails (busybox nslookup: 1); which servers it
# asked is what these cases judge, so that is an observation. A command the
# shell cannot run (126, 127) or one killed by a signal (128+) is broken.
LOOKUP_OBSERVED_STATUSES = range(0, 126)
_names = itertools.count(1)


@dataclass(frozen=True)
class Lookup:
    name: str
    servers_asked: tuple[IPAddress, ...]  # in the order the queries left the DUT


def look_up(dut) -> Lookup:
    """One lookup of a name nobody asked for before; the servers it went to."""
    name = f"probe-{next(_names)}-{int(time.time())}.conformance.example"
    mark = dut.recorder.mark()
    command = dut.config.declaration.commands.resolve.format(name=name)
    run_command(dut.console, command, LOOKUP_TIMEOUT_S, accept=LOOKUP_OBSERVED_STATUSES)
    asked: list[IPAddress] = []
    for frame in dut.recorder.frames(mark):
        if frame.direction == "rx" and is_dns_query(frame.packet, dut.mac, name=name):
            server = ip(frame.packet[IPv6].dst)
            if server not in asked:
                asked.append(server)
    return Lookup(name, tuple(asked))


def look_up_until_asked(dut, server: IPAddress) -> tuple[Lookup, list[Lookup]]:
    """Repeat lookups until one reaches `server`, or until one that began
    after the update allowance has run (a lookup may itself take seconds,
    waiting out silent servers); the last lookup, and all of them for the
    failure message."""
    deadline = time.monotonic() + RESOLVER_UPDATE_WAIT_S
    lookups: list[Lookup] = []
    while True:
        began = time.monotonic()
        lookups.append(look_up(dut))
        if ip(server) in lookups[-1].servers_asked or began >= deadline:
            return lookups[-1], lookups
        mark = dut.recorder.mark()
        dut.recorder.wait_for(lambda p: is_dns_query(p, dut.mac, server=server), LOOKUP_RETRY_INTERVAL_S, since=mark)


def describe(lookups: list[Lookup]) -> str:
    asked = sorted({str(server) for lookup in lookups for server in lookup.servers_asked})
    where = f"queries to {', '.join(asked)}" if asked else "no DNS query on the link"
    return f"{len(lookups)} lookup(s): {where}"
