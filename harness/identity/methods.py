"""DID methods the harness can check without a ledger: did:key (W3C CCG
did:key spec, multibase base58btc of multicodec + raw key) and did:bid
(BIF / CAICT: the DID is derived from the public key)."""

from __future__ import annotations

import hashlib

import base58
from multiformats import multibase, multicodec

from harness.identity.did import parse_did
from harness.identity.errors import InvalidDid, InvalidPublicKey
from harness.identity.keys import KeyType, PublicKey, sm3

# BIF's Base58 alphabet (not Bitcoin's: 'b'/'B', 'c'/'C', 'u'/'U' are swapped).
BIF_ALPHABET = b"123456789AbCDEFGHJKLMNPQRSTuVWXYZaBcdefghijkmnopqrstUvwxyz"
BID_SUFFIX_BYTES = 22  # the last 22 bytes of the key's hash
BID_CRYPTO = {"Ed25519": "e", "SM2": "z"}
BID_ENCODING_BASE58 = "f"
MULTICODEC_BY_TYPE: dict[KeyType, str] = {"Ed25519": "ed25519-pub", "SM2": "sm2-pub"}


# -- did:key -----------------------------------------------------------------
def did_key(key: PublicKey) -> str:
    """did:key of an Ed25519 key (the only type did:key defines here)."""
    if key.key_type != "Ed25519":
        raise InvalidPublicKey(f"did:key is not defined for {key.key_type} here")
    return "did:key:" + multibase_key(key)


def multibase_key(key: PublicKey) -> str:
    """publicKeyMultibase: base58btc of the multicodec-prefixed raw key."""
    return multibase.encode(multicodec.wrap(MULTICODEC_BY_TYPE[key.key_type], key.raw), "base58btc")


def key_from_multibase(value: str) -> PublicKey:
    try:
        codec, raw = multicodec.unwrap(multibase.decode(value))
    except (KeyError, ValueError) as exc:
        raise InvalidPublicKey(f"{value!r} is not a multibase multicodec key: {exc}") from exc
    for key_type, name in MULTICODEC_BY_TYPE.items():
        if codec.name == name:
            return PublicKey(key_type, bytes(raw))
    raise InvalidPublicKey(f"multicodec {codec.name} is not a supported key type (invalidPublicKeyType)")


def key_from_did_key(did: str) -> PublicKey:
    parsed = parse_did(did)
    if parsed.method != "key" or not parsed.method_specific_id.startswith("z"):
        raise InvalidDid(f"{did!r} is not a base58btc did:key")
    return key_from_multibase(parsed.method_specific_id)


# -- did:bid -----------------------------------------------------------------
def bif_base58(data: bytes) -> str:
    return base58.b58encode(data, alphabet=BIF_ALPHABET).decode()


def bid_hash(key: PublicKey) -> bytes:
    """SHA-256 of the raw Ed25519 key; SM3 of the 65-byte SM2 key, 0x04 included."""
    return hashlib.sha256(key.raw).digest() if key.key_type == "Ed25519" else sm3(key.raw)


def did_bid(key: PublicKey, chain_code: str | None = None) -> str:
    suffix = bif_base58(bid_hash(key)[-BID_SUFFIX_BYTES:])
    prefix = f"did:bid:{chain_code}:" if chain_code else "did:bid:"
    return f"{prefix}{BID_CRYPTO[key.key_type]}{BID_ENCODING_BASE58}{suffix}"


def bid_key_type(did: str) -> KeyType:
    """The key type a did:bid names with its crypto letter (e / z)."""
    parsed = parse_did(did)
    if parsed.method != "bid":
        raise InvalidDid(f"{did!r} is not a did:bid")
    tail = parsed.method_specific_id.rsplit(":", 1)[-1]
    for key_type, letter in BID_CRYPTO.items():
        if tail.startswith(letter + BID_ENCODING_BASE58):
            return key_type
    raise InvalidDid(f"{did!r}: the id must start with ef (Ed25519) or zf (SM2), Base58")


def bif_public_key_hex(key: PublicKey) -> str:
    """BIF's encoding: b0, the crypto letter, f (Base58 family), the raw key."""
    return (b"\xb0" + BID_CRYPTO[key.key_type].encode() + BID_ENCODING_BASE58.encode() + key.raw).hex()


def key_from_bif_hex(value: str, key_type: KeyType) -> PublicKey:
    """publicKeyHex as BIF documents carry it: with or without the b0 prefix."""
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError) as exc:
        raise InvalidPublicKey(f"publicKeyHex {value!r} is not hex") from exc
    if raw[:1] == b"\xb0" and len(raw) >= 3:
        letter = raw[1:2].decode(errors="replace")
        if letter != BID_CRYPTO[key_type]:
            raise InvalidPublicKey(f"publicKeyHex says crypto {letter!r}, the method type says {key_type}")
        raw = raw[3:]
    return PublicKey(key_type, raw)
