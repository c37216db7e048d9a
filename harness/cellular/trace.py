"""NAS traces: GSMTAP-over-UDP captures written and read as pcap/pcapng
(the attach exchange they hold is attach.py's)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from scapy.utils import RawPcapWriter

from harness.cellular import gsmtap
from harness.captures import CaptureError, CaptureRecord, read_capture
from harness.cellular.errors import CellularParseError, GsmtapError, TraceError
from harness.cellular.nas import NasMessage, TraceDecoder
from harness.cellular.nas_security import NasSecurityContext

# Link types a GSMTAP capture arrives in (pcap-linktype(7)).
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_LINUX_SLL2 = 276
TRACE_ADDRESS = bytes([127, 0, 0, 1])


@dataclass(frozen=True)
class TraceMessage:
    index: int
    time: float  # wall clock, as every evidence stream
    message: NasMessage


def ip_header_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_datagram(payload: bytes, source_port: int = gsmtap.GSMTAP_UDP_PORT,
                 destination_port: int = gsmtap.GSMTAP_UDP_PORT) -> bytes:
    """An IPv4/UDP packet on loopback carrying `payload` (raw-IP link type):
    the frame Wireshark sees when GSMTAP is sniffed on the trace port."""
    udp = struct.pack("!HHHH", source_port, destination_port, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, TRACE_ADDRESS, TRACE_ADDRESS)
    header = header[:10] + struct.pack("!H", ip_header_checksum(header)) + header[12:]
    return header + udp


class GsmtapPcapWriter:
    """Writes GSMTAP datagrams to a pcap as they arrive (synced, so a run that
    dies keeps what it had)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._writer = RawPcapWriter(str(path), linktype=LINKTYPE_IPV4, sync=True)
        self._writer.write_header(None)

    def write(self, datagram: bytes, when: float) -> None:
        sec = int(when)
        self._writer.write_packet(udp_datagram(datagram), sec=sec, usec=int((when - sec) * 1e6))

    def close(self) -> None:
        self._writer.close()


def write_trace(path: Path, datagrams: list[tuple[float, bytes]]) -> Path:
    writer = GsmtapPcapWriter(path)
    try:
        for when, datagram in datagrams:
            writer.write(datagram, when)
    finally:
        writer.close()
    return path


def udp_payload(linktype: int, frame: bytes) -> tuple[int, int, bytes] | None:
    """(source port, destination port, payload) of an IPv4/IPv6 UDP frame,
    or None for anything else."""
    if linktype == LINKTYPE_ETHERNET:
        offset, ethertype = 14, struct.unpack_from("!H", frame, 12)[0] if len(frame) >= 14 else 0
        while ethertype == 0x8100 and len(frame) >= offset + 4:
            ethertype = struct.unpack_from("!H", frame, offset + 2)[0]
            offset += 4
        if ethertype not in (0x0800, 0x86DD):
            return None
    elif linktype == LINKTYPE_LINUX_SLL:
        offset = 16
    elif linktype == LINKTYPE_LINUX_SLL2:
        offset = 20
    elif linktype == LINKTYPE_NULL:
        offset = 4
    elif linktype in (LINKTYPE_RAW, LINKTYPE_IPV4):
        offset = 0
    else:
        return None
    if len(frame) < offset + 1:
        return None
    version = frame[offset] >> 4
    if version == 4:
        header_length = (frame[offset] & 0x0F) * 4
        if header_length < 20 or len(frame) < offset + header_length + 8 or frame[offset + 9] != 17:
            return None
        udp = offset + header_length
    elif version == 6:
        if len(frame) < offset + 48 or frame[offset + 6] != 17:
            return None
        udp = offset + 40
    else:
        return None
    if len(frame) < udp + 8:
        return None
    source, destination, length = struct.unpack_from("!HHH", frame, udp)
    return source, destination, frame[udp + 8:udp + max(length, 8)]


def read_gsmtap(path: Path) -> list[tuple[float, gsmtap.GsmtapHeader, bytes]]:
    """Every GSMTAP datagram (to or from port 4729) of a pcap or pcapng file.
    A truncated or corrupt file raises TraceError holding what was read."""
    found: list[tuple[float, gsmtap.GsmtapHeader, bytes]] = []

    def take(records: list[CaptureRecord]) -> None:
        for record in records:
            datagram = udp_payload(record.linktype, record.data)
            if datagram is None or gsmtap.GSMTAP_UDP_PORT not in datagram[:2]:
                continue
            header, payload = gsmtap.decode(datagram[2])
            found.append((record.time, header, payload))

    try:
        try:
            records = read_capture(path)
        except CaptureError as exc:
            take(exc.records)
            raise TraceError(str(path), exc.reason, found) from None
        for record in records:
            if record.cut:
                raise TraceError(str(path), f"record {len(found) + 1} is cut short", found)
            take([record])
    except GsmtapError as exc:
        raise TraceError(str(path), str(exc), found) from None
    return found


def read_nas_trace(path: Path, security: NasSecurityContext | None = None) -> list[TraceMessage]:
    """The LTE NAS messages of a GSMTAP capture, decoded in order (after a
    Security Mode Command that selects EEA0, "ciphered" payloads are read
    as the plain text they are)."""
    try:
        datagrams, damage = read_gsmtap(path), None
    except TraceError as exc:  # decode what came before the damage, then report it with those messages
        datagrams, damage = exc.messages_so_far, exc
    messages: list[TraceMessage] = []
    decoder = TraceDecoder(security)
    for when, header, payload in datagrams:
        if header.type != gsmtap.TYPE_LTE_NAS:
            continue
        try:
            message = decoder.decode(payload, header.uplink)
        except CellularParseError as exc:
            raise TraceError(str(path), f"message {len(messages) + 1}: {exc}", messages) from exc
        messages.append(TraceMessage(len(messages), when, message))
    if damage is not None:
        raise TraceError(str(path), damage.reason, messages)
    return messages
