"""BIDAuth, BIF's challenge-response authentication (bif-rfcs RFC-005), as
the verifier sees it: the challenge envelope it sends and the checks on the
prover's bidauth_response. Step names follow the RFC: bidauth_challenge
{nonce} -> bidauth_response {plainText, bid, publicKey, cryptoType,
signText} -> bidauth_result."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from harness.identity.errors import IdentityError, InvalidSignature
from harness.identity.keys import KeyType, PublicKey, verify
from harness.identity.methods import key_from_bif_hex

ENVELOPE_TYPE = "bidcomm_application/1.0/bidauth"
CRYPTO_TYPES: dict[str, KeyType] = {"ED25519": "Ed25519", "SM2": "SM2"}
# A nonce of at least 128 bits, fresh for each run (the harness uses 32 bytes, as Matter's TC_DA_1_2 does).
NONCE_BYTES = 32
MIN_NONCE_BYTES = 16


class InvalidResponse(IdentityError):
    """A bidauth_response missing a member or carrying one of the wrong form."""


def challenge(nonce_hex: str, message_id: str | None = None) -> dict[str, Any]:
    return {"@type": ENVELOPE_TYPE, "@id": message_id or str(uuid.uuid4()),
            "content": {"type": "bidauth_challenge", "nonce": nonce_hex}}


@dataclass(frozen=True)
class BidAuthResponse:
    plain_text: str
    bid: str
    public_key: PublicKey
    crypto_type: KeyType
    signature: bytes


def parse_response(answer: Any) -> BidAuthResponse:
    content = answer.get("content") if isinstance(answer, dict) else None
    if not isinstance(content, dict) or content.get("type") != "bidauth_response":
        raise InvalidResponse(f"not a bidauth_response envelope: {str(answer)[:200]}")
    members = {}
    for name in ("plainText", "bid", "publicKey", "cryptoType", "signText"):
        if not isinstance(content.get(name), str):
            raise InvalidResponse(f"the bidauth_response lacks the string member {name!r}")
        members[name] = content[name]
    crypto_type = CRYPTO_TYPES.get(members["cryptoType"].upper())
    if crypto_type is None:
        raise InvalidResponse(f"cryptoType {members['cryptoType']!r} is neither ED25519 nor SM2")
    try:
        signature = bytes.fromhex(members["signText"])
    except ValueError as exc:
        raise InvalidResponse(f"signText is not hex: {members['signText'][:80]!r}") from exc
    return BidAuthResponse(members["plainText"], members["bid"], key_from_bif_hex(members["publicKey"], crypto_type),
                           crypto_type, signature)


def signature_valid(response: BidAuthResponse, key: PublicKey, nonce: bytes) -> bool:
    """Whether the response's signature is `key`'s over the nonce's bytes (BIF
    signs the hex-decoded challenge). A malformed signature is not valid."""
    try:
        return verify(key, response.signature, nonce)
    except InvalidSignature:
        return False
