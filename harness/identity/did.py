"""DID and DID URL syntax, W3C DID Core 1.0 section 3.1 and 3.2:

    did                = "did:" method-name ":" method-specific-id
    method-name        = 1*method-char ; method-char = %x61-7A / DIGIT
    method-specific-id = *( *idchar ":" ) 1*idchar
    idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
    did-url            = did path-abempty [ "?" query ] [ "#" fragment ]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.identity.errors import InvalidDid

_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = rf"did:(?P<method>[a-z0-9]+):(?P<msid>(?:{_IDCHAR}*:)*{_IDCHAR}+)"
# RFC 3986 pchar for the path, query and fragment of a DID URL.
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
DID_PATTERN = re.compile(rf"^{_DID}$")
DID_URL_PATTERN = re.compile(
    rf"^(?P<did>{_DID})(?P<path>(?:/{_PCHAR}*)*)(?:\?(?P<query>(?:{_PCHAR}|[/?])*))?(?:#(?P<fragment>(?:{_PCHAR}|[/?])*))?$"
)


@dataclass(frozen=True)
class Did:
    method: str
    method_specific_id: str

    def __str__(self) -> str:
        return f"did:{self.method}:{self.method_specific_id}"


@dataclass(frozen=True)
class DidUrl:
    did: Did
    path: str
    query: str | None
    fragment: str | None


def parse_did(text: str) -> Did:
    if not isinstance(text, str):
        raise InvalidDid(f"a DID is a string, got {type(text).__name__}")
    match = DID_PATTERN.match(text)
    if match is None:
        raise InvalidDid(f"{text!r} does not match the DID syntax of DID Core 3.1")
    return Did(match["method"], match["msid"])


def parse_did_url(text: str) -> DidUrl:
    if not isinstance(text, str):
        raise InvalidDid(f"a DID URL is a string, got {type(text).__name__}")
    match = DID_URL_PATTERN.match(text)
    if match is None:
        raise InvalidDid(f"{text!r} does not match the DID URL syntax of DID Core 3.2")
    return DidUrl(Did(match["method"], match["msid"]), match["path"], match["query"], match["fragment"])
