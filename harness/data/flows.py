"""The flows a unit opened, from the capture: each TCP connection it began
(a SYN without ACK) and each UDP datagram it sent, to a unicast address
beyond its link (link-local and multicast traffic is the link's own:
neighbour discovery, MLD, DHCPv6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from netaddr import IPAddress
from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from harness.values.frames import Frame

TCP_SYN, TCP_ACK = 0x02, 0x10


@dataclass(frozen=True, order=True)
class Flow:
    address: str
    protocol: str  # tcp or udp
    port: int

    def __str__(self) -> str:
        return f"{self.protocol}/[{self.address}]:{self.port}"


def _opened(packet: Ether) -> Flow | None:
    if IPv6 not in packet:
        return None
    destination = IPAddress(packet[IPv6].dst)
    if destination.is_multicast() or destination.is_link_local() or destination.is_loopback():
        return None
    if TCP in packet and packet[TCP].flags & (TCP_SYN | TCP_ACK) == TCP_SYN:
        return Flow(str(destination), "tcp", packet[TCP].dport)
    if UDP in packet:
        return Flow(str(destination), "udp", packet[UDP].dport)
    return None


def opened_flows(frames: Iterable[Frame], unit_mac: str) -> list[Flow]:
    """Every distinct flow the unit (by its MAC) opened in these frames."""
    flows = set()
    for frame in frames:
        try:
            packet = frame.packet
            if packet.src.lower() != unit_mac.lower():
                continue
            flow = _opened(packet)
        except Exception:  # noqa: BLE001 - a frame scapy cannot dissect opens no flow we can name
            continue
        if flow is not None:
            flows.add(flow)
    return sorted(flows)
