"""EPS key derivation (TS 33.401 Annex A) on the generic KDF of TS 33.220
Annex B.2: HMAC-SHA-256(Key, FC || P0 || L0 || P1 || L1 ...)."""

from __future__ import annotations

import hashlib
import hmac

# FC values (TS 33.401 A.2, A.3, A.7).
FC_KASME = 0x10
FC_KENB = 0x11
FC_NAS_KEYS = 0x15
# Algorithm type distinguishers (TS 33.401 A.7).
NAS_ENC_ALG = 0x01
NAS_INT_ALG = 0x02
# Algorithm identities (TS 33.401 5.1.3.2 / 5.1.4.2).
EEA0, EEA2 = 0, 2
EIA0, EIA2 = 0, 2


def kdf(key: bytes, fc: int, *parameters: bytes) -> bytes:
    s = bytearray([fc])
    for parameter in parameters:
        s += parameter + len(parameter).to_bytes(2, "big")
    return hmac.new(key, bytes(s), hashlib.sha256).digest()


def plmn_octets(mcc: str, mnc: str) -> bytes:
    """The serving network identity as TS 24.301 9.9.3.32 codes a PLMN
    (BCD, MNC digit 3 = F for two-digit MNCs)."""
    digits = mcc + (mnc if len(mnc) == 3 else mnc + "F")
    mcc1, mcc2, mcc3, mnc1, mnc2, mnc3 = (int(d, 16) for d in digits)
    return bytes([(mcc2 << 4) | mcc1, (mnc3 << 4) | mcc3, (mnc2 << 4) | mnc1])


def derive_kasme(ck: bytes, ik: bytes, serving_network: bytes, sqn_xor_ak: bytes) -> bytes:
    """TS 33.401 A.2."""
    return kdf(ck + ik, FC_KASME, serving_network, sqn_xor_ak)


def derive_nas_key(kasme: bytes, distinguisher: int, algorithm: int) -> bytes:
    """TS 33.401 A.7: the 128-bit key is the least significant 128 bits."""
    return kdf(kasme, FC_NAS_KEYS, bytes([distinguisher]), bytes([algorithm]))[16:]


def derive_kenb(kasme: bytes, uplink_nas_count: int) -> bytes:
    """TS 33.401 A.3 (used here only to check the KDF on published data)."""
    return kdf(kasme, FC_KENB, uplink_nas_count.to_bytes(4, "big"))
