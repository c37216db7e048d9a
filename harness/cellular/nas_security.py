"""128-EIA2 (AES-CMAC) and 128-EEA2 (AES-CTR) as TS 33.401 Annex B.2 defines
them for NAS, and the security-protected NAS message format (TS 24.301
9.1/9.2: header type, 4-octet MAC, sequence number)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from harness.cellular.errors import NASDecodeError

UPLINK, DOWNLINK = 0, 1
NAS_BEARER = 0  # TS 33.401 8.1.1: BEARER is 0 for NAS
# Security header types (TS 24.301 9.3.1).
PLAIN = 0
INTEGRITY = 1
INTEGRITY_CIPHERED = 2
INTEGRITY_NEW_CONTEXT = 3
INTEGRITY_CIPHERED_NEW_CONTEXT = 4
SERVICE_REQUEST = 12
EMM_PROTOCOL = 0x7


def eia2(key: bytes, count: int, bearer: int, direction: int, message: bytes) -> bytes:
    """The 32-bit MAC: AES-CMAC over COUNT || BEARER || DIRECTION || 0^26 || MESSAGE."""
    prefix = count.to_bytes(4, "big") + bytes([(bearer << 3) | (direction << 2), 0, 0, 0])
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(prefix + message)
    return mac.finalize()[:4]


def eea2(key: bytes, count: int, bearer: int, direction: int, data: bytes, bits: int | None = None) -> bytes:
    """AES-CTR with T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64. With
    `bits`, the output is cut to that many bits (trailing bits zeroed)."""
    counter = count.to_bytes(4, "big") + bytes([(bearer << 3) | (direction << 2)]) + bytes(11)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
    out = bytearray(encryptor.update(data) + encryptor.finalize())
    if bits is not None:
        del out[(bits + 7) // 8:]
        if bits % 8:
            out[-1] &= (0xFF << (8 - bits % 8)) & 0xFF
    return bytes(out)


@dataclass(frozen=True)
class ProtectedNas:
    """A security-protected NAS message, split (TS 24.301 9.1)."""

    header_type: int
    mac: bytes
    sequence: int
    payload: bytes  # the inner NAS message, ciphered when header_type is 2 or 4

    @property
    def ciphered(self) -> bool:
        return self.header_type in (INTEGRITY_CIPHERED, INTEGRITY_CIPHERED_NEW_CONTEXT)


def security_header_type(pdu: bytes) -> int:
    if not pdu:
        raise NASDecodeError("empty NAS PDU")
    return pdu[0] >> 4 if pdu[0] & 0x0F == EMM_PROTOCOL else PLAIN


def split_protected(pdu: bytes) -> ProtectedNas:
    header_type = security_header_type(pdu)
    if header_type not in (INTEGRITY, INTEGRITY_CIPHERED, INTEGRITY_NEW_CONTEXT, INTEGRITY_CIPHERED_NEW_CONTEXT):
        raise NASDecodeError(f"security header type {header_type} is not a protected NAS message")
    if len(pdu) < 7:
        raise NASDecodeError(f"protected NAS message of {len(pdu)} octets is shorter than its 6-octet header")
    return ProtectedNas(header_type, pdu[1:5], pdu[5], pdu[6:])


@dataclass
class NasSecurityContext:
    """One side's EPS NAS security context: the keys and both NAS COUNTs
    (overflow || sequence number, TS 24.301 4.4.3.1)."""

    k_nas_int: bytes
    k_nas_enc: bytes | None = None  # None: EEA0 (null ciphering)
    uplink_count: int = 0
    downlink_count: int = 0

    def protect(self, plain: bytes, direction: int, header_type: int) -> bytes:
        count = self.uplink_count if direction == UPLINK else self.downlink_count
        ciphered = header_type in (INTEGRITY_CIPHERED, INTEGRITY_CIPHERED_NEW_CONTEXT)
        payload = eea2(self.k_nas_enc, count, NAS_BEARER, direction, plain) if ciphered and self.k_nas_enc else plain
        sequenced = bytes([count & 0xFF]) + payload
        mac = eia2(self.k_nas_int, count, NAS_BEARER, direction, sequenced)
        if direction == UPLINK:
            self.uplink_count += 1
        else:
            self.downlink_count += 1
        return bytes([(header_type << 4) | EMM_PROTOCOL]) + mac + sequenced

    def expected_count(self, direction: int, sequence: int) -> int:
        """The full COUNT a received sequence number stands for: the overflow
        counter steps when the 8-bit number wraps (TS 24.301 4.4.3.1)."""
        current = self.uplink_count if direction == UPLINK else self.downlink_count
        overflow = current >> 8
        if sequence < (current & 0xFF):
            overflow += 1
        return (overflow << 8) | sequence

    def verify(self, pdu: bytes, direction: int) -> tuple[bool, bytes]:
        """(MAC valid, plain inner message). Advances the receive COUNT only
        for a valid MAC."""
        protected = split_protected(pdu)
        count = self.expected_count(direction, protected.sequence)
        valid = eia2(self.k_nas_int, count, NAS_BEARER, direction, pdu[5:]) == protected.mac
        payload = protected.payload
        if protected.ciphered and self.k_nas_enc:
            payload = eea2(self.k_nas_enc, count, NAS_BEARER, direction, payload)
        if valid:
            if direction == UPLINK:
                self.uplink_count = count + 1
            else:
                self.downlink_count = count + 1
        return valid, payload
