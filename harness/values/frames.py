"""A frame seen on the DUT's link, and the pcap that holds a run of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scapy.layers.l2 import Ether
from scapy.utils import RawPcapWriter

LINKTYPE_ETHERNET = 1

Direction = Literal["rx", "tx"]  # rx: from the DUT; tx: from the tester


@dataclass
class Frame:
    index: int
    time: float  # wall clock, the one clock of every evidence stream
    direction: Direction
    data: bytes
    _packet: Ether | None = field(default=None, repr=False)

    @property
    def packet(self) -> Ether:
        if self._packet is None:
            self._packet = Ether(self.data)
        return self._packet


def write_pcap(path: Path, frames: list[Frame]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = RawPcapWriter(str(path), linktype=LINKTYPE_ETHERNET, sync=True)
    try:
        writer.write_header(None)  # an empty slice is still a valid pcap
        for frame in frames:
            sec = int(frame.time)
            writer.write_packet(frame.data, sec=sec, usec=int((frame.time - sec) * 1e6))
    finally:
        writer.close()
    return path
