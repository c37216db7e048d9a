"""Typed errors of the identity knowledge. Each names what was wrong with the
input; the suites turn them into product verdicts (the DUT's DID, document or
signature was bad), never into crashes."""

from __future__ import annotations

from harness.malformed import MalformedInput


class IdentityError(MalformedInput):
    """Something the device or a resolver gave is not what the spec allows."""


class InvalidDid(IdentityError):
    """Not a DID (or DID URL) by the DID Core ABNF, or not valid for its method."""


class InvalidPublicKey(IdentityError):
    """A public key of the wrong length, type or encoding (did:key's
    invalidPublicKeyLength / invalidPublicKeyType)."""


class InvalidDocument(IdentityError):
    """A DID document that breaks DID Core's data model."""


class InvalidSignature(IdentityError):
    """A signature that cannot even be parsed (a wrong one just does not verify)."""


class LabelUnreadable(IdentityError):
    """A label image that is not a readable, reasonably sized picture."""
