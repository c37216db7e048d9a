"""Capture files read as the hostile input they are: pcap (both byte orders,
micro- and nanosecond stamps) and pcapng (section header, interface
description with its timestamp resolution and offset, enhanced, simple and
obsolete packet blocks; other blocks skipped), as a callbox, a diag tool or
Wireshark saves them. Every record and block length is checked against a
bound before anything is read, so a damaged or hostile file costs at most
that much memory; damage raises CaptureError after the records before it."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from harness.malformed import MalformedInput

# No link layer frame comes near this (a jumbo frame is 9 kB; libpcap's
# largest snapshot length is 262,144): a longer record is damage.
MAX_RECORD_OCTETS = 262_144
MAX_BLOCK_OCTETS = MAX_RECORD_OCTETS + 4096  # a packet block's own fields and options
PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC = 0xA1B2C3D4, 0xA1B23C4D
PCAPNG_SECTION_HEADER = 0x0A0D0D0A
PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D
BLOCK_INTERFACE, BLOCK_PACKET_OBSOLETE, BLOCK_SIMPLE_PACKET, BLOCK_ENHANCED_PACKET = 1, 2, 3, 6
OPTION_END, OPTION_TSRESOL, OPTION_TSOFFSET = 0, 9, 14
DEFAULT_TSRESOL = 1_000_000


class CaptureError(MalformedInput):
    """A capture file that is not pcap or pcapng, or is cut or damaged.
    `records` holds what was read before the damage: evidence kept."""

    def __init__(self, path: Path | str, reason: str, records: list["CaptureRecord"] | None = None):
        self.path = str(path)
        self.reason = reason
        self.records = records or []
        super().__init__(f"{path}: {reason} (after {len(self.records)} records)")


@dataclass(frozen=True)
class CaptureRecord:
    time: float
    linktype: int
    data: bytes
    original_length: int

    @property
    def cut(self) -> bool:
        """The capture kept less than the frame (a snapshot length)."""
        return len(self.data) < self.original_length


@dataclass
class _Interface:
    linktype: int
    resolution: int = DEFAULT_TSRESOL
    offset: int = 0


class _Stream:
    def __init__(self, handle: BinaryIO, path: Path):
        self.handle = handle
        self.path = path

    def exactly(self, count: int, what: str) -> bytes:
        data = self.handle.read(count)
        if len(data) != count:
            raise EOFError(f"{what} cut short: {len(data)} of {count} octets")
        return data


def read_capture(path: Path) -> list[CaptureRecord]:
    """Every packet record of a pcap or pcapng file, in file order."""
    records: list[CaptureRecord] = []
    try:
        with open(path, "rb") as handle:
            stream = _Stream(handle, path)
            head = handle.read(4)
            if len(head) < 4:
                raise CaptureError(path, f"{len(head)} octets: not a capture file")
            reader = _pcapng if struct.unpack("<I", head)[0] == PCAPNG_SECTION_HEADER else _pcap
            for record in reader(stream, head):
                records.append(record)
    except CaptureError as exc:
        raise CaptureError(path, exc.reason, records) from None
    except EOFError as exc:
        raise CaptureError(path, str(exc), records) from None
    except OSError as exc:
        raise CaptureError(path, f"cannot be read: {exc}", records) from None
    return records


def _pcap(stream: _Stream, head: bytes) -> Iterator[CaptureRecord]:
    for order in ("<", ">"):
        magic = struct.unpack(f"{order}I", head)[0]
        if magic in (PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC):
            break
    else:
        raise CaptureError(stream.path, f"magic {head.hex()} is neither pcap nor pcapng")
    resolution = 1_000_000 if magic == PCAP_MAGIC_USEC else 1_000_000_000
    _major, _minor, _zone, _accuracy, _snaplen, link = struct.unpack(f"{order}HHiIII", stream.exactly(20, "pcap header"))
    linktype = link & 0x0FFFFFFF  # the upper bits say whether frames carry an FCS
    while True:
        header = stream.handle.read(16)
        if not header:
            return
        if len(header) < 16:
            raise EOFError(f"record header cut short: {len(header)} of 16 octets")
        seconds, fraction, included, original = struct.unpack(f"{order}IIII", header)
        if included > MAX_RECORD_OCTETS:
            raise CaptureError(stream.path, f"a record of {included} octets, more than {MAX_RECORD_OCTETS}")
        data = stream.exactly(included, "record")
        yield CaptureRecord(seconds + fraction / resolution, linktype, data, max(original, included))


def _pcapng(stream: _Stream, head: bytes) -> Iterator[CaptureRecord]:
    interfaces: list[_Interface] = []
    order = "<"
    block_type_octets = head
    while True:
        if not block_type_octets:
            return
        if len(block_type_octets) < 4:
            raise EOFError("block type cut short")
        if struct.unpack("<I", block_type_octets)[0] == PCAPNG_SECTION_HEADER:
            length_octets, magic = stream.exactly(4, "block length"), stream.exactly(4, "byte-order magic")
            order = next((o for o in ("<", ">") if struct.unpack(f"{o}I", magic)[0] == PCAPNG_BYTE_ORDER_MAGIC), None)
            if order is None:
                raise CaptureError(stream.path, f"section header with byte-order magic {magic.hex()}")
            length = _block_length(stream, struct.unpack(f"{order}I", length_octets)[0])
            stream.exactly(length - 16, "section header")  # version, section length, options
            _trailer(stream, order, length)
            interfaces = []  # a new section numbers its interfaces from 0 again
        else:
            block_type = struct.unpack(f"{order}I", block_type_octets)[0]
            length = _block_length(stream, struct.unpack(f"{order}I", stream.exactly(4, "block length"))[0])
            body = stream.exactly(length - 12, "block")
            _trailer(stream, order, length)
            record = _block(stream.path, order, block_type, body, interfaces)
            if record is not None:
                yield record
        block_type_octets = stream.handle.read(4)


def _block_length(stream: _Stream, length: int) -> int:
    if length < 12 or length % 4 or length > MAX_BLOCK_OCTETS:
        raise CaptureError(stream.path, f"a block length of {length} (a multiple of 4, 12 to {MAX_BLOCK_OCTETS})")
    return length


def _trailer(stream: _Stream, order: str, length: int) -> None:
    if struct.unpack(f"{order}I", stream.exactly(4, "block trailer"))[0] != length:
        raise CaptureError(stream.path, "a block whose trailing length differs from its leading one")


def _block(path: Path, order: str, block_type: int, body: bytes, interfaces: list[_Interface]) -> CaptureRecord | None:
    try:
        if block_type == BLOCK_INTERFACE:
            linktype, _reserved, _snaplen = struct.unpack_from(f"{order}HHI", body)
            interfaces.append(_interface_options(order, linktype, body[8:]))
            return None
        if block_type in (BLOCK_ENHANCED_PACKET, BLOCK_PACKET_OBSOLETE):
            if block_type == BLOCK_ENHANCED_PACKET:
                interface, high, low, included, original = struct.unpack_from(f"{order}IIIII", body)
            else:
                interface, _drops, high, low, included, original = struct.unpack_from(f"{order}HHIIII", body)
            data = body[20:20 + included]
            if len(data) != included:
                raise CaptureError(path, f"a packet block says {included} octets but holds {len(data)}")
            return _record(path, interfaces, interface, (high << 32) | low, data, original)
        if block_type == BLOCK_SIMPLE_PACKET:
            (original,) = struct.unpack_from(f"{order}I", body)
            data = body[4:4 + original]
            return _record(path, interfaces, 0, None, data, original)
    except struct.error as exc:
        raise CaptureError(path, f"block of type {block_type} too short for its fields: {exc}") from None
    return None  # name resolution, statistics, custom blocks: not packets


def _record(path: Path, interfaces: list[_Interface], index: int, stamp: int | None, data: bytes,
            original: int) -> CaptureRecord:
    if index >= len(interfaces):
        raise CaptureError(path, f"a packet on interface {index}, which no interface block describes")
    interface = interfaces[index]
    moment = 0.0 if stamp is None else stamp / interface.resolution + interface.offset
    return CaptureRecord(moment, interface.linktype, data, max(original, len(data)))


def _interface_options(order: str, linktype: int, options: bytes) -> _Interface:
    interface = _Interface(linktype)
    offset = 0
    while offset + 4 <= len(options):
        code, length = struct.unpack_from(f"{order}HH", options, offset)
        value = options[offset + 4:offset + 4 + length]
        if code == OPTION_END:
            break
        if code == OPTION_TSRESOL and length == 1:
            exponent = value[0] & 0x7F
            interface.resolution = (2 if value[0] & 0x80 else 10) ** min(exponent, 30)
        elif code == OPTION_TSOFFSET and length == 8:
            (interface.offset,) = struct.unpack(f"{order}q", value)
        offset += 4 + length + (-length % 4)
    return interface
