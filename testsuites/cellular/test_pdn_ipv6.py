"""AP-CELL, the terminal's own IPv6 on the cellular PDN: the interface
identifier the network gave (TS 24.301 9.9.4.9), an RS on the bearer and a
global address from the PGW's prefix (TS 23.401 5.3.1.2.2; RFC 7066 2)."""

import ipaddress
import threading
import time

import pytest
from scapy.error import Scapy_Exception
from scapy.layers.inet6 import ICMPv6ND_RS, IPv6
from scapy.utils import rdpcap

from harness.verdict import nonconformant

from harness.ipv6.timers import ROUTER_SOLICITATION_WAIT_S

from .conftest import PDN_CONFIGURED_WAIT_S

# How often the PGW's capture file is read again while a frame is awaited:
# the file, written by another process, is the only signal the lab has.
CAPTURE_REREAD_S = 0.1


def router_solicitation_sources(pcap) -> set[ipaddress.IPv6Address]:
    try:
        frames = rdpcap(str(pcap))
    except (OSError, Scapy_Exception, EOFError):
        frames = []  # a capture cut mid-frame: what was read before still counts
    return {ipaddress.IPv6Address(f[IPv6].src) for f in frames if ICMPv6ND_RS in f}


def solicitation_sources_until(pcap, source: ipaddress.IPv6Address, wait_s: float) -> set[ipaddress.IPv6Address]:
    """The RS sources in the capture, read again until `source` is among
    them or `wait_s` passes: the address the echo answered may finish its DAD
    before the link-local address whose DAD the first RS follows."""
    deadline = time.monotonic() + wait_s
    pause = threading.Event()
    while True:
        sources = router_solicitation_sources(pcap)
        remaining = deadline - time.monotonic()
        if source in sources or remaining <= 0:
            return sources
        pause.wait(min(CAPTURE_REREAD_S, remaining))


@pytest.mark.requirement("AP-CELL", "TS23.401-5.3.1.2.2", "TS24.301-9.9.4.9")
def test_terminal_configures_ipv6_on_the_pdn(cell, boot_attach):
    """With an IPv4v6 (or IPv6) bearer up, the terminal solicits the PGW from
    fe80::<network's identifier> and answers at <PGW prefix>::<identifier>."""
    address = cell.lab.callbox.ue_info().ipv6
    if address is None:
        nonconformant("TS23.401-5.3.1.2.2", "an IPv6 address for the UE on the callbox (an IPv6-capable bearer)",
                      "the bearer has no IPv6")
    rtt = cell.ping_until_answered(address, PDN_CONFIGURED_WAIT_S)
    if rtt is None:
        nonconformant("TS23.401-5.3.1.2.2", f"an echo reply from {address} (PGW prefix, network's interface "
                      f"identifier) within {PDN_CONFIGURED_WAIT_S:.0f} s", "no reply across the PDN")
    link_local = ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + address.packed[8:])
    if cell.lab.user_plane_pcap is None:
        return  # the bench records no user plane: the echo reply above is the evidence
    sources = solicitation_sources_until(cell.lab.user_plane_pcap, link_local, ROUTER_SOLICITATION_WAIT_S)
    if link_local not in sources:
        nonconformant("TS23.401-5.3.1.2.2", f"a Router Solicitation on the PDN from {link_local}",
                      f"Router Solicitations from {sorted(map(str, sources)) or 'nobody'}")
