"""DID documents (W3C DID Core 1.0 section 5): parsed and validated against
the DID they were resolved for. Also BIF's pre-1.0 vocabulary (`publicKey`,
`publicKeyHex`), normalised with a finding rather than refused."""

from __future__ import annotations

import base64

import base58
from dataclasses import dataclass, field
from typing import Any

from harness.identity.did import parse_did, parse_did_url
from harness.identity.errors import IdentityError, InvalidDocument
from harness.identity.keys import KeyType, PublicKey
from harness.identity.methods import key_from_bif_hex, key_from_multibase

# Verification method types the harness accepts, with the key type each carries
# (None: the key material itself says, as Multikey's multicodec does).
METHOD_TYPES: dict[str, KeyType | None] = {
    "Multikey": None,
    "Ed25519VerificationKey2020": "Ed25519",
    "Ed25519VerificationKey2018": "Ed25519",
    "JsonWebKey2020": None,
    "Ed25519": "Ed25519",  # BIF
    "SM2": "SM2",  # BIF
}


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    type: str
    controller: str
    key: PublicKey


@dataclass(frozen=True)
class DidDocument:
    id: str
    methods: dict[str, VerificationMethod]
    authentication: list[VerificationMethod]
    also_known_as: list[str] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def _absolute(reference: str, did: str) -> str:
    return f"{did}{reference}" if reference.startswith("#") else reference


def _key_of(entry: dict[str, Any]) -> PublicKey:
    method_type = entry.get("type")
    if method_type not in METHOD_TYPES:
        raise InvalidDocument(f"verification method {entry.get('id')!r} has unsupported type {method_type!r}")
    key_type = METHOD_TYPES[method_type]
    try:
        if "publicKeyMultibase" in entry:
            key = key_from_multibase(_string(entry, "publicKeyMultibase"))
        elif "publicKeyHex" in entry and key_type is not None:
            key = key_from_bif_hex(_string(entry, "publicKeyHex"), key_type)
        elif "publicKeyBase58" in entry and key_type == "Ed25519":
            key = PublicKey("Ed25519", base58.b58decode(_string(entry, "publicKeyBase58")))
        elif "publicKeyJwk" in entry:
            key = _jwk_key(entry)
        else:
            raise InvalidDocument(f"verification method {entry.get('id')!r} has no key material its type allows")
    except InvalidDocument:
        raise
    except (IdentityError, TypeError, ValueError) as exc:
        raise InvalidDocument(f"verification method {entry.get('id')!r}: {exc}") from exc
    if key_type is not None and key.key_type != key_type:
        raise InvalidDocument(f"verification method {entry.get('id')!r} is typed {method_type} but holds an {key.key_type} key")
    return key


def _string(entry: dict[str, Any], member: str) -> str:
    value = entry[member]
    if not isinstance(value, str):
        raise InvalidDocument(f"verification method {entry.get('id')!r}: {member} is a {type(value).__name__}, "
                              "not a string (DID Core 5.2.1)")
    return value


def _jwk_key(entry: dict[str, Any]) -> PublicKey:
    """RFC 7517 / RFC 8037: a JSON object; an Ed25519 key is kty OKP, crv Ed25519, x."""
    jwk = entry["publicKeyJwk"]
    if not isinstance(jwk, dict):
        raise InvalidDocument(f"verification method {entry.get('id')!r}: publicKeyJwk is a {type(jwk).__name__}, "
                              "not a JSON object (DID Core 5.2.1)")
    if "d" in jwk:
        raise InvalidDocument(f"verification method {entry.get('id')!r} publishes a private key (JWK member d)")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise InvalidDocument(f"JWK {str(jwk.get('kty'))[:20]}/{str(jwk.get('crv'))[:20]} is not an Ed25519 OKP key")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise InvalidDocument(f"verification method {entry.get('id')!r}: the JWK's x is not a string")
    return PublicKey("Ed25519", _b64url(x))


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _method(entry: Any, did: str) -> VerificationMethod:
    if not isinstance(entry, dict):
        raise InvalidDocument(f"a verification method is an object, got {type(entry).__name__}")
    for name in ("id", "type", "controller"):
        if not isinstance(entry.get(name), str):
            raise InvalidDocument(f"verification method lacks the string property {name!r} (DID Core 5.2)")
    method_id = _absolute(entry["id"], did)
    try:
        parse_did_url(method_id)
        parse_did(entry["controller"])
    except IdentityError as exc:
        raise InvalidDocument(f"verification method {entry['id']!r}: {exc}") from exc
    return VerificationMethod(method_id, entry["type"], entry["controller"], _key_of(entry))


def parse_document(document: Any, did: str) -> DidDocument:
    """Validate a DID document resolved for `did` (DID Core 5.1.1: id is the
    DID; 5.2: verification methods well formed; 5.3.1: authentication
    references resolve to one). Raises InvalidDocument naming the rule."""
    if not isinstance(document, dict):
        raise InvalidDocument(f"a DID document is a JSON object, got {type(document).__name__}")
    if document.get("id") != did:
        raise InvalidDocument(f"the document's id is {document.get('id')!r}, not the DID resolved ({did}) (DID Core 5.1.1)")
    entries = document.get("verificationMethod", [])
    if not isinstance(entries, list):
        raise InvalidDocument("verificationMethod must be a list (DID Core 5.2)")
    methods: dict[str, VerificationMethod] = {}
    for entry in entries:
        method = _method(entry, did)
        if method.id in methods:
            raise InvalidDocument(f"verification method id {method.id} appears twice (DID Core 5.2)")
        methods[method.id] = method
    authentication = []
    relation = document.get("authentication", [])
    if not isinstance(relation, list):
        raise InvalidDocument("authentication must be a list (DID Core 5.3.1)")
    for item in relation:
        if isinstance(item, str):
            reference = _absolute(item, did)
            if reference not in methods:
                raise InvalidDocument(f"authentication references {item!r}, which is not a verification method (DID Core 5.3.1)")
            authentication.append(methods[reference])
        else:
            authentication.append(_method(item, did))
    also_known_as = document.get("alsoKnownAs", [])
    if not isinstance(also_known_as, list) or not all(isinstance(uri, str) for uri in also_known_as):
        raise InvalidDocument("alsoKnownAs must be a list of URI strings (DID Core 5.1.3)")
    services = document.get("service", [])
    if not isinstance(services, list) or not all(isinstance(s, dict) and "serviceEndpoint" in s for s in services):
        raise InvalidDocument("service must be a list of objects with serviceEndpoint (DID Core 5.4)")
    return DidDocument(did, methods, authentication, also_known_as, services, document)


def normalise_bif(document: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """BIF's pre-1.0 vocabulary in DID Core terms, with a finding that says
    what was renamed (None when the document already used DID Core's)."""
    if "publicKey" not in document or "verificationMethod" in document:
        return document, None
    normalised = {k: v for k, v in document.items() if k != "publicKey"}
    normalised["verificationMethod"] = document["publicKey"]
    return normalised, "the document uses BIF's pre-1.0 'publicKey' list; read as DID Core's 'verificationMethod'"
