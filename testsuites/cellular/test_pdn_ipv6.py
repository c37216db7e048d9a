"""AP-CELL, the terminal's own IPv6 on the cellular PDN: the interface
identifier the network gave (TS 24.301 9.9.4.9), an RS on the bearer and a
global address from the PGW's prefix (TS 23.401 5.3.1.2.2; RFC 7066 2)."""

import ipaddress

import pytest
from scapy.error import Scapy_Exception
from scapy.layers.inet6 import ICMPv6ND_RS, IPv6
from scapy.utils import rdpcap

from harness.verdict import nonconformant

from .conftest import PDN_CONFIGURED_WAIT_S


def router_solicitation_sources(pcap) -> set[ipaddress.IPv6Address]:
    try:
        frames = rdpcap(str(pcap))
    except (OSError, Scapy_Exception, EOFError):
        frames = []  # a capture cut mid-frame: what was read before still counts
    return {ipaddress.IPv6Address(f[IPv6].src) for f in frames if ICMPv6ND_RS in f}


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
    sources = router_solicitation_sources(cell.lab.user_plane_pcap)
    if link_local not in sources:
        nonconformant("TS23.401-5.3.1.2.2", f"a Router Solicitation on the PDN from {link_local}",
                      f"Router Solicitations from {sorted(map(str, sources)) or 'nobody'}")
