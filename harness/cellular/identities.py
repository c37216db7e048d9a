"""Mobile identities as NAS carries them, decoded from the IE's value
octets: the EPS mobile identity (TS 24.301 9.9.3.12: IMSI, IMEI, GUTI) and
the Mobile identity of TS 24.008 10.5.1.4 (IMSI, IMEI, IMEISV, TMSI - the
M-TMSI of an S-TMSI in EPS -, TMGI, none). Pure; a value that breaks its
coding raises NASDecodeError."""

from __future__ import annotations

from dataclasses import dataclass

from harness.cellular.errors import NASDecodeError

# TS 24.301 9.9.3.12, table 9.9.3.12.1 (type of identity, bits 3-1).
EPS_TYPES = {1: "IMSI", 3: "IMEI", 6: "GUTI"}
# TS 24.008 10.5.1.4, table 10.5.4.
MOBILE_TYPES = {0: "no identity", 1: "IMSI", 2: "IMEI", 3: "IMEISV", 4: "TMSI", 5: "TMGI"}
DIGIT_TYPES = {"IMSI", "IMEI", "IMEISV"}
FILLER = 0xF
GUTI_OCTETS = 11  # type octet, PLMN (3), MME Group ID (2), MME Code (1), M-TMSI (4)
TMSI_OCTETS = 5
MAX_DIGITS = 16  # an IMEISV; an IMSI has at most 15 (TS 23.003 2.2)


@dataclass(frozen=True)
class Plmn:
    mcc: str
    mnc: str

    def __str__(self) -> str:
        return f"{self.mcc}-{self.mnc}"


@dataclass(frozen=True)
class MobileIdentity:
    type_code: int  # as coded in the IE (EPS and TS 24.008 number types differently)
    kind: str  # IMSI, IMEI, IMEISV, GUTI, TMSI, TMGI, no identity
    digits: str | None = None  # IMSI, IMEI, IMEISV
    plmn: Plmn | None = None  # GUTI
    mme_group_id: int | None = None  # GUTI
    mme_code: int | None = None  # GUTI
    m_tmsi: int | None = None  # GUTI, and the TMSI of TS 24.008

    def __str__(self) -> str:
        if self.digits is not None:
            return self.digits
        if self.kind == "GUTI":
            return f"{self.plmn}-{self.mme_group_id}-{self.mme_code}-{self.m_tmsi:#010x}"
        if self.kind == "TMSI":
            return f"{self.m_tmsi:#010x}"
        return self.kind


def plmn(octets: bytes) -> Plmn:
    """TS 24.008 10.5.1.3 / figure 10.5.13: MCC digits 2 1, MNC digit 3 and
    MCC digit 3, MNC digits 2 1; an MNC digit 3 of F means a 2-digit MNC."""
    if len(octets) != 3:
        raise NASDecodeError(f"a PLMN identity is 3 octets, got {len(octets)}")
    nibbles = [octets[0] & 0xF, octets[0] >> 4, octets[1] & 0xF, octets[2] & 0xF, octets[2] >> 4, octets[1] >> 4]
    mcc, mnc = nibbles[:3], nibbles[3:] if nibbles[5] != FILLER else nibbles[3:5]
    if any(d > 9 for d in mcc + mnc):
        raise NASDecodeError(f"PLMN identity {octets.hex()} has a digit that is not decimal")
    return Plmn("".join(map(str, mcc)), "".join(map(str, mnc)))


def _digits(value: bytes) -> str:
    """BCD digits: digit 1 in the high nibble of the first octet (beside
    odd/even and type), then two per octet, low nibble first; an even
    count ends in a filler nibble."""
    odd = bool(value[0] & 0x08)
    nibbles = [value[0] >> 4]
    for octet in value[1:]:
        nibbles += [octet & 0xF, octet >> 4]
    if not odd:
        if nibbles[-1] != FILLER:
            raise NASDecodeError(f"identity {value.hex()} says an even number of digits but does not end in a filler")
        nibbles = nibbles[:-1]
    if len(nibbles) > MAX_DIGITS or any(d > 9 for d in nibbles):
        raise NASDecodeError(f"identity {value.hex()} is not {MAX_DIGITS} decimal digits or fewer")
    return "".join(map(str, nibbles))


def decode_identity(value: bytes, eps: bool) -> MobileIdentity:
    """The identity of an EPS mobile identity (`eps`) or a TS 24.008 Mobile
    identity IE, from its value octets (after the length)."""
    if not value:
        raise NASDecodeError("mobile identity of length 0")
    code = value[0] & 0x07
    kind = (EPS_TYPES if eps else MOBILE_TYPES).get(code)
    if kind is None:
        ie = "EPS mobile identity (TS 24.301 9.9.3.12)" if eps else "Mobile identity (TS 24.008 10.5.1.4)"
        raise NASDecodeError(f"{ie} of reserved type {code}")
    if kind in DIGIT_TYPES:
        return MobileIdentity(code, kind, digits=_digits(value))
    if kind == "GUTI":
        if len(value) != GUTI_OCTETS:
            raise NASDecodeError(f"a GUTI is {GUTI_OCTETS} octets, got {len(value)}")
        return MobileIdentity(code, kind, plmn=plmn(value[1:4]), mme_group_id=int.from_bytes(value[4:6], "big"),
                              mme_code=value[6], m_tmsi=int.from_bytes(value[7:11], "big"))
    if kind == "TMSI":
        if len(value) != TMSI_OCTETS:
            raise NASDecodeError(f"a TMSI identity is {TMSI_OCTETS} octets, got {len(value)}")
        return MobileIdentity(code, kind, m_tmsi=int.from_bytes(value[1:5], "big"))
    return MobileIdentity(code, kind)
