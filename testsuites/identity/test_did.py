"""AP-DID, the unit's DID and its document (W3C DID Core 1.0; BIF did:bid)."""

import pytest

from harness.identity.did import parse_did
from harness.identity.errors import IdentityError
from harness.identity.methods import bid_key_type, did_bid, did_key
from harness.verdict import nonconformant


@pytest.mark.requirement("AP-DID", "DIDCORE-3.1")
def test_did_is_syntactically_valid_and_of_the_declared_method(identity):
    did = identity.did()
    try:
        parsed = parse_did(did)
    except IdentityError as exc:
        nonconformant("DIDCORE-3.1", "a DID by the DID Core ABNF", str(exc))
    if parsed.method != identity.claims.method:
        nonconformant("DIDCORE-3.1", f"method {identity.claims.method} (declared)", f"method {parsed.method} in {did}")


@pytest.mark.requirement("AP-DID", "DIDCORE-7.1")
def test_did_resolves_through_the_lab_resolver(identity):
    did = identity.did()
    resolution = identity.resolve(did)
    if resolution.outcome not in ("resolved", "deactivated"):
        nonconformant("DIDCORE-7.1", f"the resolver finds {did}",
                      f"HTTP {resolution.exchange.status}, outcome {resolution.outcome}")


@pytest.mark.requirement("AP-DID", "DIDCORE-7.1.3")
def test_did_is_not_deactivated(identity):
    did = identity.did()
    resolution = identity.resolve(did)
    if resolution.deactivated:
        nonconformant("DIDCORE-7.1.3", f"{did} active (no deactivated: true in its document metadata)",
                      f"HTTP {resolution.exchange.status}, metadata {resolution.metadata}")


@pytest.mark.requirement("AP-DID", "DIDCORE-5.1.1")
def test_document_id_is_the_did(identity):
    did = identity.did()
    resolution = identity.resolve(did)
    if resolution.document is None:
        nonconformant("DIDCORE-7.1", f"a document for {did}", f"outcome {resolution.outcome}")
    if resolution.document.get("id") != did:
        nonconformant("DIDCORE-5.1.1", f"the document's id is {did}", f"id {resolution.document.get('id')!r}")


@pytest.mark.requirement("AP-DID", "DIDCORE-5.3.1")
def test_document_has_an_authentication_method_of_an_allowed_type(identity):
    document = identity.document(identity.did())
    if not document.authentication:
        nonconformant("DIDCORE-5.3.1", "an authentication verification method (Ed25519 or SM2)",
                      f"authentication is {document.raw.get('authentication')!r}")


@pytest.mark.requirement("AP-DID", "DIDBID-DERIVATION")
def test_did_derives_from_its_authentication_key(identity):
    """did:bid: Base58 (BIF alphabet) of the last 22 bytes of SHA-256 (SM3
    for SM2) of the key; did:key: the multicodec key itself."""
    did = identity.did()
    document = identity.document(did)
    derive = {"bid": did_bid, "key": did_key}[identity.claims.method]
    derived = {derive(method.key) for method in document.authentication}
    if did not in derived:
        nonconformant("DIDBID-DERIVATION", f"{did} derived from an authentication key",
                      f"the keys derive {', '.join(sorted(derived)) or 'nothing'}")


@pytest.mark.requirement("AP-DID", "DID-KEYTYPE")
def test_identity_key_is_the_declared_type(identity):
    """The key type the maker declares (SM2 where declared) is the one the
    DID names and the document's authentication method holds."""
    declared = identity.claims.key_type
    did = identity.did()
    if identity.claims.method == "bid":
        named = bid_key_type(did)
        if named != declared:
            nonconformant("DID-KEYTYPE", f"a did:bid naming {declared} (ef: Ed25519, zf: SM2)", f"{did} names {named}")
    types = sorted({method.key.key_type for method in identity.document(did).authentication})
    if types != [declared]:
        nonconformant("DID-KEYTYPE", f"{declared} authentication keys only", f"{types}")
