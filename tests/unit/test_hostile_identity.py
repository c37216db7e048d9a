"""Identity parsers on hostile input (hypothesis, seeded with the project's
own documents and answers, mutated): DIDs, DID documents in DID Core's and
BIF's vocabularies, BIDAuth responses, keys, signatures, identifiers and
label images give their typed result or their typed error, nothing else."""

from __future__ import annotations

import io

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from harness.identity import bidauth
from harness.identity.did import parse_did, parse_did_url
from harness.identity.document import normalise_bif, parse_document
from harness.identity.errors import IdentityError
from harness.identity.identifiers import parse_uri, validate
from harness.identity.keys import PublicKey, verify
from harness.identity.label import MAX_LABEL_PIXELS, decode_label
from harness.identity.methods import (bid_key_type, bif_public_key_hex, did_bid, did_key, key_from_bif_hex,
                                      key_from_did_key, key_from_multibase, multibase_key)
from tests.mutations import HOSTILE, json_texts, mutated_bytes, mutated_json, mutated_text, typed

KEY = PublicKey("Ed25519", Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes(
    Encoding.Raw, PublicFormat.Raw))
DID = did_key(KEY)
BID = did_bid(KEY)
DOCUMENT = {
    "@context": ["https://www.w3.org/ns/did/v1"], "id": DID,
    "verificationMethod": [
        {"id": f"{DID}#key-1", "type": "Multikey", "controller": DID, "publicKeyMultibase": multibase_key(KEY)},
        {"id": "#key-2", "type": "Ed25519VerificationKey2018", "controller": DID,
         "publicKeyBase58": "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"},
        {"id": "#key-3", "type": "JsonWebKey2020", "controller": DID,
         "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"}},
        {"id": "#key-4", "type": "Ed25519", "controller": DID, "publicKeyHex": bif_public_key_hex(KEY)},
    ],
    "authentication": [f"{DID}#key-1", "#key-4"],
    "alsoKnownAs": ["hdl:88.608.8889/REFDUT1-0001", "urn:gsma:imei:49015420-323751-8"],
    "service": [{"id": "#auth", "type": "BIDAuth", "serviceEndpoint": "http://[2001:db8::2]:8080/auth"}],
}
BIF_DOCUMENT = {"id": BID, "publicKey": [{"id": f"{BID}#key-1", "type": "Ed25519", "controller": BID,
                                          "publicKeyHex": bif_public_key_hex(KEY)}],
                "authentication": [f"{BID}#key-1"]}
RESPONSE = {"@type": bidauth.ENVELOPE_TYPE, "@id": "1", "content": {
    "type": "bidauth_response", "plainText": "00" * 32, "bid": BID, "publicKey": bif_public_key_hex(KEY),
    "cryptoType": "ED25519", "signText": "00" * 64}}


@HOSTILE
@given(mutated_json([DOCUMENT, BIF_DOCUMENT]))
def test_documents(document):
    did = document.get("id") if isinstance(document, dict) and isinstance(document.get("id"), str) else DID
    normalised = typed(lambda: normalise_bif(document)[0], IdentityError) if isinstance(document, dict) else document
    typed(lambda: parse_document(normalised, did), IdentityError)


@HOSTILE
@given(mutated_json([RESPONSE]))
def test_bidauth_responses(answer):
    response = typed(lambda: bidauth.parse_response(answer), IdentityError)
    if response is not None:
        assert isinstance(bidauth.signature_valid(response, response.public_key, bytes(32)), bool)


@HOSTILE
@given(mutated_text([DID, BID, f"{DID}#key-1", f"{BID}/a/b?versionId=1#k", "did:web:host%3A8443:u:a"]))
def test_dids_and_did_urls(text):
    typed(lambda: parse_did(text), IdentityError)
    typed(lambda: parse_did_url(text), IdentityError)
    typed(lambda: key_from_did_key(text), IdentityError)
    typed(lambda: bid_key_type(text), IdentityError)


@HOSTILE
@given(mutated_text([multibase_key(KEY), bif_public_key_hex(KEY), KEY.raw.hex()]), st.sampled_from(["Ed25519", "SM2"]))
def test_key_encodings(text, key_type):
    typed(lambda: key_from_multibase(text), IdentityError)
    typed(lambda: key_from_bif_hex(text, key_type), IdentityError)


@HOSTILE
@given(mutated_bytes([bytes(64), bytes.fromhex("3044022001" + "00" * 31 + "022001" + "00" * 31)]),
       st.sampled_from(["Ed25519", "SM2"]))
def test_signatures(signature, key_type):
    key = KEY if key_type == "Ed25519" else PublicKey("SM2", b"\x04" + bytes(range(64)))
    result = typed(lambda: verify(key, signature, b"nonce"), IdentityError)
    assert result in (None, True, False)


@HOSTILE
@given(mutated_text(["88.608.8889/REFDUT1-0001", "06901234567892", "490154203237518", "1.2.156.10197.1",
                     "hdl:88.608.8889/X", "https://id.gs1.org/01/06901234567892", "urn:gsma:imei:49015420-323751-8",
                     "urn:oid:2.16.156.1"]), st.sampled_from(["handle", "gtin", "imei", "oid"]))
def test_identifiers(text, scheme):
    typed(lambda: validate(scheme, text), IdentityError)
    typed(lambda: parse_uri(text), IdentityError)


def _label() -> bytes:
    buffer = io.BytesIO()
    segno.make("hdl:88.608.8889/REFDUT1-0001").save(buffer, kind="png", scale=2)
    return buffer.getvalue()


@HOSTILE
@given(mutated_bytes([_label()]))
def test_label_images(image):
    lines = typed(lambda: decode_label(image), IdentityError)
    assert lines is None or all(isinstance(line, str) for line in lines)


def test_a_decompression_bomb_is_refused_unread():
    """A PNG whose header claims more pixels than any label photo has."""
    import struct
    import zlib

    side = int(MAX_LABEL_PIXELS ** 0.5) + 10
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")
    try:
        decode_label(png)
    except IdentityError as exc:
        assert "pixels" in str(exc) or "Decompression" in str(exc)
    else:
        raise AssertionError("a bomb was decoded")


# -- resolver answers (the lab's: ResolverAnswerError, a HarnessError) -----------------
UNIVERSAL = {"@context": "https://w3id.org/did-resolution/v1", "didDocument": DOCUMENT,
             "didResolutionMetadata": {"contentType": "application/did+ld+json"},
             "didDocumentMetadata": {"deactivated": False, "versionId": "1"}}
UNIVERSAL_ERROR = {"didResolutionMetadata": {"error": {"type": "https://www.w3.org/ns/did#NOT_FOUND"}}}
BIF_ANSWER = {"errorCode": 0, "message": "OK", "data": {"didDocument": BIF_DOCUMENT}}
HANDLE_ANSWER = {"responseCode": 1, "handle": "88.608.8889/REFDUT1-0001",
                 "values": [{"index": 1, "type": "URL", "data": {"format": "string", "value": "http://x"}},
                            {"index": 2, "type": "DID", "data": {"format": "string", "value": DID}}]}


def _exchange(body: str, status: int = 200):
    from harness.drivers.http import HttpExchange

    return HttpExchange("GET", "http://[2001:db8::1]:8900/x", None, status, "application/json", body, 0.01)


@HOSTILE
@given(json_texts([UNIVERSAL, UNIVERSAL_ERROR, BIF_ANSWER, HANDLE_ANSWER]),
       st.sampled_from([200, 400, 404, 406, 410, 500, 501]))
def test_resolver_answers(body, status):
    from harness.drivers.did_resolver import BifResolver, HandleResolver, ResolverAnswerError, UniversalResolver

    exchange = _exchange(body, status)
    for read, name in ((UniversalResolver.read, DID), (BifResolver.read, BID), (HandleResolver.read, "88.608.8889/X")):
        typed(lambda: read(name, exchange), ResolverAnswerError)
