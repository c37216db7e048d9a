"""GSMTAP version 2 (Osmocom's gsmtap.h; Wireshark's packet-gsmtap.c): the
16-octet header a callbox or diag tool puts before each logged message, sent
over UDP to port 4729. scapy has no GSMTAP layer and pycrate files LTE NAS
under a wrong sub-type, so the header is coded here."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from harness.cellular.errors import GsmtapError

GSMTAP_VERSION = 2
GSMTAP_UDP_PORT = 4729
HEADER_WORDS = 4
HEADER = struct.Struct("!BBBBHbbIBBBB")
# Types and LTE NAS sub-types (gsmtap.h).
TYPE_LTE_RRC = 0x0D
TYPE_LTE_NAS = 0x12
SUBTYPE_NAS_PLAIN = 0
SUBTYPE_NAS_SECURITY_HEADER = 1
ARFCN_UPLINK = 0x4000
ARFCN_PCS = 0x8000


@dataclass(frozen=True)
class GsmtapHeader:
    type: int
    sub_type: int
    uplink: bool
    arfcn: int = 0
    timeslot: int = 0
    signal_dbm: int = 0
    snr_db: int = 0
    frame_number: int = 0
    antenna: int = 0
    sub_slot: int = 0

    def encode(self) -> bytes:
        arfcn = (self.arfcn & 0x3FFF) | (ARFCN_UPLINK if self.uplink else 0)
        return HEADER.pack(GSMTAP_VERSION, HEADER_WORDS, self.type, self.timeslot, arfcn, self.signal_dbm,
                           self.snr_db, self.frame_number, self.sub_type, self.antenna, self.sub_slot, 0)


def encode_lte_nas(nas: bytes, uplink: bool, *, protected: bool = False, frame_number: int = 0) -> bytes:
    sub_type = SUBTYPE_NAS_SECURITY_HEADER if protected else SUBTYPE_NAS_PLAIN
    return GsmtapHeader(TYPE_LTE_NAS, sub_type, uplink, frame_number=frame_number).encode() + nas


def decode(datagram: bytes) -> tuple[GsmtapHeader, bytes]:
    """(header, payload). The header length field is honoured, so a later
    header with extra words still yields the right payload."""
    if len(datagram) < HEADER.size:
        raise GsmtapError(f"GSMTAP datagram of {len(datagram)} octets is shorter than the 16-octet header")
    (version, words, kind, timeslot, arfcn, signal, snr, frame_number,
     sub_type, antenna, sub_slot, _reserved) = HEADER.unpack_from(datagram)
    if version != GSMTAP_VERSION:
        raise GsmtapError(f"GSMTAP version {version}, expected {GSMTAP_VERSION}")
    length = words * 4
    if length < HEADER.size or length > len(datagram):
        raise GsmtapError(f"GSMTAP header length {length} does not fit a {len(datagram)}-octet datagram")
    header = GsmtapHeader(kind, sub_type, bool(arfcn & ARFCN_UPLINK), arfcn & 0x3FFF, timeslot, signal, snr,
                          frame_number, antenna, sub_slot)
    return header, datagram[length:]
