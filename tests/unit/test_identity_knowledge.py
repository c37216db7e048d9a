"""Identity knowledge against published vectors, OpenSSL's own signatures,
and malformed input (typed errors, never a crash)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.identity import bidauth
from harness.identity.did import parse_did, parse_did_url
from harness.identity.document import normalise_bif, parse_document
from harness.identity.errors import InvalidDid, InvalidDocument, InvalidPublicKey, InvalidSignature
from harness.identity.identifiers import InvalidIdentifier, parse_uri, validate
from harness.identity.keys import PublicKey, verify
from harness.identity.methods import (bid_key_type, bif_public_key_hex, did_bid, did_key, key_from_bif_hex,
                                      key_from_did_key, key_from_multibase, multibase_key)

BIF_VECTOR_KEY = "b9906e1b50e81501369cc777979f8bcf27bd1917d794fa6d5e320b1ccc4f48bb"
BIF_VECTOR_DID = "did:bid:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2"
W3C_ZERO_SEED_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
SM2_DEFAULT_ID = "1234567812345678"


# -- DIDs ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["did:bid:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2", "did:web:host%3A8443:u:a",
                                  "did:bid:a1b2:efx", "did:example:123_-."])
def test_valid_dids_parse(text):
    assert str(parse_did(text)) == text


@pytest.mark.parametrize("text", ["", "did:", "did:bid", "did:BID:ef1", "did:bid:", "did:bid:ab:", "did:b d:x",
                                  "did:bid:e%zz", "DID:bid:x", "did:bid:x#frag", 42, None])
def test_malformed_dids_are_invalid_did_errors(text):
    with pytest.raises(InvalidDid):
        parse_did(text)


def test_did_url_parts():
    url = parse_did_url("did:bid:efx/path/a?versionId=1#key-1")
    assert (str(url.did), url.path, url.query, url.fragment) == ("did:bid:efx", "/path/a", "versionId=1", "key-1")


# -- did:bid and did:key ------------------------------------------------------------
def test_did_bid_published_vector():
    assert did_bid(PublicKey("Ed25519", bytes.fromhex(BIF_VECTOR_KEY))) == BIF_VECTOR_DID
    assert bid_key_type(BIF_VECTOR_DID) == "Ed25519"


def test_did_bid_of_an_sm2_key_is_zf_and_chain_codes_prefix():
    key = PublicKey("SM2", b"\x04" + bytes(range(64)))
    assert did_bid(key).startswith("did:bid:zf")
    assert did_bid(key, "aa1").startswith("did:bid:aa1:zf")
    assert bid_key_type(did_bid(key)) == "SM2"


def test_did_key_w3c_vector_and_round_trip():
    raw = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes_raw()
    key = PublicKey("Ed25519", raw)
    assert did_key(key) == W3C_ZERO_SEED_DID
    assert key_from_did_key(W3C_ZERO_SEED_DID) == key
    for _ in range(20):
        fresh = PublicKey("Ed25519", Ed25519PrivateKey.generate().public_key().public_bytes_raw())
        assert key_from_did_key(did_key(fresh)) == fresh
        assert key_from_multibase(multibase_key(fresh)) == fresh


def test_did_key_errors():
    with pytest.raises(InvalidDid):
        key_from_did_key("did:bid:z6Mk")
    with pytest.raises(InvalidPublicKey):  # a secp256k1-pub multicodec: invalidPublicKeyType
        key_from_multibase("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")
    with pytest.raises(InvalidPublicKey):  # ed25519-pub with 31 bytes: invalidPublicKeyLength
        key_from_multibase(multibase_key(PublicKey("Ed25519", bytes(32)))[:-1])


def test_bif_public_key_hex_with_and_without_prefix():
    key = PublicKey("Ed25519", bytes.fromhex(BIF_VECTOR_KEY))
    encoded = bif_public_key_hex(key)
    assert encoded.startswith("b06566")
    assert key_from_bif_hex(encoded, "Ed25519") == key_from_bif_hex(BIF_VECTOR_KEY, "Ed25519") == key
    with pytest.raises(InvalidPublicKey):
        key_from_bif_hex(encoded, "SM2")
    with pytest.raises(InvalidPublicKey):
        key_from_bif_hex("zz", "Ed25519")


# -- signatures: Ed25519, and SM2 against OpenSSL -------------------------------------
def test_ed25519_signatures():
    private = Ed25519PrivateKey.generate()
    key = PublicKey("Ed25519", private.public_key().public_bytes_raw())
    signature = private.sign(b"nonce")
    assert verify(key, signature, b"nonce")
    assert not verify(key, signature, b"other")
    with pytest.raises(InvalidSignature):
        verify(key, signature[:63], b"nonce")


def _openssl(*args: str, cwd: Path) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30).stdout


@pytest.fixture(scope="module")
def openssl_sm2(tmp_path_factory):
    """An SM2 key, its public key and signatures made by the openssl command."""
    folder = tmp_path_factory.mktemp("sm2")
    _openssl("genpkey", "-algorithm", "SM2", "-out", "sm2.key", cwd=folder)
    spki = _openssl("pkey", "-in", "sm2.key", "-pubout", "-outform", "DER", cwd=folder)
    (folder / "msg.bin").write_bytes(bytes.fromhex("00112233445566778899aabbccddeeff" * 2))
    _openssl("pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", f"distid:{SM2_DEFAULT_ID}", "-inkey", "sm2.key",
             "-in", "msg.bin", "-out", "default-id.sig", cwd=folder)
    _openssl("pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "sm2.key", "-in", "msg.bin", "-out", "empty-id.sig",
             cwd=folder)
    return PublicKey.from_spki_der(spki), folder


def test_sm2_signature_from_openssl_verifies(openssl_sm2):
    key, folder = openssl_sm2
    message = (folder / "msg.bin").read_bytes()
    signature = (folder / "default-id.sig").read_bytes()
    assert key.key_type == "SM2" and len(key.raw) == 65
    assert verify(key, signature, message)
    assert not verify(key, signature, message[:-1] + b"\x00")


def test_sm2_signature_with_openssls_empty_id_does_not_verify(openssl_sm2):
    """OpenSSL 3.0 without distid signs with an empty ID, not GM/T's default."""
    key, folder = openssl_sm2
    assert not verify(key, (folder / "empty-id.sig").read_bytes(), (folder / "msg.bin").read_bytes())


def test_sm2_raw_rs_form_and_out_of_range_values(openssl_sm2):
    from harness.identity.keys import SM2_ORDER, sm2_signature_rs

    key, folder = openssl_sm2
    message = (folder / "msg.bin").read_bytes()
    r, s = sm2_signature_rs((folder / "default-id.sig").read_bytes())
    assert verify(key, r.to_bytes(32, "big") + s.to_bytes(32, "big"), message)
    assert not verify(key, (r + SM2_ORDER).to_bytes(33, "big")[1:] + bytes(32), message)
    with pytest.raises(InvalidSignature):
        verify(key, b"\x30\x03garbage", message)


# -- documents -------------------------------------------------------------------------
def _document(did: str, key: PublicKey, **changes) -> dict:
    document = {"@context": ["https://www.w3.org/ns/did/v1"], "id": did,
                "verificationMethod": [{"id": f"{did}#key-1", "type": key.key_type, "controller": did,
                                        "publicKeyHex": bif_public_key_hex(key)}],
                "authentication": ["#key-1"], "alsoKnownAs": ["hdl:88.608.8889/X1"]}
    document.update(changes)
    return document


def test_a_valid_document_gives_its_authentication_key():
    key = PublicKey("Ed25519", bytes.fromhex(BIF_VECTOR_KEY))
    parsed = parse_document(_document(BIF_VECTOR_DID, key), BIF_VECTOR_DID)
    assert [method.key for method in parsed.authentication] == [key]
    assert parsed.also_known_as == ["hdl:88.608.8889/X1"]


@pytest.mark.parametrize("changes, reason", [
    ({"id": "did:bid:efOTHER"}, "5.1.1"),
    ({"authentication": ["#key-9"]}, "5.3.1"),
    ({"authentication": "#key-1"}, "5.3.1"),
    ({"verificationMethod": [{"id": "#k", "type": "RsaVerificationKey2018", "controller": BIF_VECTOR_DID,
                              "publicKeyPem": "x"}]}, "unsupported type"),
    ({"verificationMethod": [{"id": "#k", "type": "Ed25519", "controller": BIF_VECTOR_DID, "publicKeyHex": "00"}]},
     "32 bytes"),
    ({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": BIF_VECTOR_DID,
                              "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"}}]}, "private key"),
    ({"verificationMethod": [{"type": "Ed25519"}]}, "id"),
    ({"alsoKnownAs": "hdl:1/2"}, "alsoKnownAs"),
])
def test_malformed_documents_are_typed_errors(changes, reason):
    key = PublicKey("Ed25519", bytes.fromhex(BIF_VECTOR_KEY))
    with pytest.raises(InvalidDocument, match=reason):
        parse_document(_document(BIF_VECTOR_DID, key, **changes), BIF_VECTOR_DID)


@pytest.mark.parametrize("garbage", [None, [], "text", 3])
def test_a_document_that_is_not_an_object_is_a_typed_error(garbage):
    with pytest.raises(InvalidDocument):
        parse_document(garbage, BIF_VECTOR_DID)


def test_bif_vocabulary_is_normalised_with_a_finding():
    key = PublicKey("Ed25519", bytes.fromhex(BIF_VECTOR_KEY))
    native = _document(BIF_VECTOR_DID, key)
    native["publicKey"] = native.pop("verificationMethod")
    normalised, finding = normalise_bif(native)
    assert "publicKey" in finding
    assert parse_document(normalised, BIF_VECTOR_DID).authentication[0].key == key
    assert normalise_bif(_document(BIF_VECTOR_DID, key))[1] is None


# -- BIDAuth messages ---------------------------------------------------------------------
def test_bidauth_response_round_trip_and_malformed_answers():
    private = Ed25519PrivateKey.generate()
    key = PublicKey("Ed25519", private.public_key().public_bytes_raw())
    nonce = bytes(range(32))
    answer = {"content": {"type": "bidauth_response", "plainText": nonce.hex(), "bid": did_bid(key),
                          "publicKey": bif_public_key_hex(key), "cryptoType": "ED25519",
                          "signText": private.sign(nonce).hex()}}
    response = bidauth.parse_response(json.loads(json.dumps(answer)))
    assert response.public_key == key and bidauth.signature_valid(response, key, nonce)
    assert not bidauth.signature_valid(response, key, nonce[::-1])
    for broken in ({}, {"content": {"type": "bidauth_result"}}, {"content": {**answer["content"], "signText": "xyz"}},
                   {"content": {**answer["content"], "cryptoType": "RSA"}}, "text"):
        with pytest.raises(bidauth.InvalidResponse):
            bidauth.parse_response(broken)


# -- identifiers ------------------------------------------------------------------------------
def test_identifiers_and_their_uris():
    for scheme, value in (("handle", "88.608.8889/REFDUT1-0001"), ("gtin", "06901234567892"),
                          ("imei", "490154203237518"), ("oid", "1.2.156.3001.1")):
        identifier = validate(scheme, value)
        assert parse_uri(identifier.uri) == identifier


@pytest.mark.parametrize("scheme, value", [("gtin", "06901234567893"), ("imei", "490154203237519"),
                                           ("handle", "REFDUT/1"), ("handle", "88.608"), ("oid", "3.1"),
                                           ("imei", "49015420323751"), ("gtin", "0690123456789A")])
def test_malformed_identifiers_are_typed_errors(scheme, value):
    with pytest.raises(InvalidIdentifier):
        validate(scheme, value)


def test_unknown_identifier_uri_is_a_typed_error():
    with pytest.raises(InvalidIdentifier):
        parse_uri("mailto:someone@example.com")


def test_label_decodes_what_segno_encoded():
    import io

    import segno

    from harness.identity.errors import LabelUnreadable
    from harness.identity.label import decode_label

    buffer = io.BytesIO()
    segno.make("https://id.gs1.org/01/06901234567892\nhdl:88.608.8889/X1").save(buffer, kind="png", scale=5)
    assert decode_label(buffer.getvalue()) == ["https://id.gs1.org/01/06901234567892", "hdl:88.608.8889/X1"]
    with pytest.raises(LabelUnreadable):
        decode_label(b"not an image")
