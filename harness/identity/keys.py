"""Public keys and signature verification: Ed25519 (RFC 8032, through
`cryptography`) and SM2 with SM3 and the default distinguishing ID
"1234567812345678" (GB/T 32918, GM/T 0009; through `gmssl`, whose pitfalls
are worked around here: the key is set after construction, r and s are
range-checked)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature as _CryptographyInvalid
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

from harness.identity.errors import InvalidPublicKey, InvalidSignature

KeyType = Literal["Ed25519", "SM2"]
ED25519_KEY_BYTES = 32
SM2_KEY_BYTES = 65  # 0x04 || x || y, uncompressed
SM2_ORDER = int(gm_sm2.default_ecc_table["n"], 16)
# DER SubjectPublicKeyInfo headers: what `openssl pkey -pubout -outform DER` puts before the raw key.
SPKI_PREFIX = {
    "Ed25519": bytes.fromhex("302a300506032b6570032100"),
    "SM2": bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200"),
}


@dataclass(frozen=True)
class PublicKey:
    key_type: KeyType
    raw: bytes

    def __post_init__(self) -> None:
        expected = ED25519_KEY_BYTES if self.key_type == "Ed25519" else SM2_KEY_BYTES
        if self.key_type not in ("Ed25519", "SM2"):
            raise InvalidPublicKey(f"unsupported key type {self.key_type!r}")
        if len(self.raw) != expected:
            raise InvalidPublicKey(f"an {self.key_type} public key is {expected} bytes, got {len(self.raw)}")
        if self.key_type == "SM2" and self.raw[0] != 0x04:
            raise InvalidPublicKey("an SM2 public key must be uncompressed (first byte 0x04)")

    @classmethod
    def from_spki_der(cls, der: bytes) -> "PublicKey":
        for key_type, prefix in SPKI_PREFIX.items():
            if der.startswith(prefix):
                return cls(key_type, der[len(prefix):])
        raise InvalidPublicKey("not an Ed25519 or SM2 SubjectPublicKeyInfo")

    def spki_der(self) -> bytes:
        return SPKI_PREFIX[self.key_type] + self.raw

    def fingerprint(self) -> str:
        """SHA-256 of the raw key, for messages and evidence."""
        return hashlib.sha256(self.raw).hexdigest()


def sm2_signature_rs(signature: bytes) -> tuple[int, int]:
    """r and s of an SM2 signature: DER (OpenSSL) or raw 64-byte r||s (BIF)."""
    if len(signature) == 64:
        return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        return decode_dss_signature(signature)
    except ValueError as exc:
        raise InvalidSignature(f"an SM2 signature is DER or 64 raw bytes; this {len(signature)}-byte one is neither") from exc


def verify(key: PublicKey, signature: bytes, message: bytes) -> bool:
    """True if `signature` is `key`'s over `message`. A signature of the wrong
    shape raises InvalidSignature; a well-formed wrong one returns False."""
    if key.key_type == "Ed25519":
        if len(signature) != 64:
            raise InvalidSignature(f"an Ed25519 signature is 64 bytes, got {len(signature)}")
        try:
            Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, message)
        except _CryptographyInvalid:
            return False
        return True
    r, s = sm2_signature_rs(signature)
    if not (1 <= r < SM2_ORDER and 1 <= s < SM2_ORDER):
        return False  # GB/T 32918.2 7.1 B1/B2: gmssl does not check this itself
    verifier = gm_sm2.CryptSM2(private_key=None, public_key="")
    verifier.public_key = key.raw[1:].hex()  # after construction: the constructor strips leading "0"/"4" digits
    return bool(verifier.verify_with_sm3(f"{r:064x}{s:064x}", message))


def sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(list(data)))
