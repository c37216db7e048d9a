"""Traceability identifiers ("one object, one code, one number, one data"):
each validated for its scheme and written in the URI form a DID document's
alsoKnownAs carries.

- handle: Industrial Internet identifier `prefix/suffix`, prefix arcs of
  digits (`88.608.8889/REFDUT1-0001`); URI `hdl:prefix/suffix`.
- gtin: GS1 GTIN-8/12/13/14 with its mod-10 check digit; URI the GS1
  Digital Link `https://id.gs1.org/01/<GTIN-14>`.
- imei: 3GPP TS 23.003 6.2, 14 digits and a Luhn check digit; URI RFC 7254
  `urn:gsma:imei:TTTTTTTT-SSSSSS-C`.
- oid: dotted numeric arcs (China's under 1.2.156 / 2.16.156); URI `urn:oid:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stdnum import ean, imei
from stdnum.exceptions import ValidationError

from harness.identity.errors import IdentityError

Scheme = Literal["handle", "gtin", "imei", "oid"]
HANDLE_PATTERN = re.compile(r"^(?P<prefix>[0-9]+(?:\.[0-9]+)*)/(?P<suffix>[\x21-\x7e]+)$")
OID_PATTERN = re.compile(r"^[0-2](?:\.(?:0|[1-9][0-9]*))+$")
# Schemes with a check digit: their digits, python-stdnum's validator, the rule.
CHECKED = {
    "gtin": (r"[0-9]{8}|[0-9]{12,14}", ean, "GTIN-8/12/13/14, GS1 mod-10 check digit"),
    "imei": (r"[0-9]{15}", imei, "15 digits with a Luhn check digit, TS 23.003 6.2 and B.2"),
}


class InvalidIdentifier(IdentityError):
    """An identifier that breaks its scheme's syntax or check digit."""


@dataclass(frozen=True)
class Identifier:
    scheme: Scheme
    value: str

    @property
    def uri(self) -> str:
        if self.scheme == "handle":
            return f"hdl:{self.value}"
        if self.scheme == "gtin":
            return f"https://id.gs1.org/01/{self.value.zfill(14)}"
        if self.scheme == "imei":
            return f"urn:gsma:imei:{self.value[:8]}-{self.value[8:14]}-{self.value[14]}"
        return f"urn:oid:{self.value}"


def validate(scheme: Scheme, value: str) -> Identifier:
    """The identifier if `value` is well formed for `scheme`, else InvalidIdentifier."""
    if not isinstance(value, str):
        raise InvalidIdentifier(f"a {scheme} identifier is a string, got {type(value).__name__}")
    if scheme == "handle":
        if not HANDLE_PATTERN.match(value):
            raise InvalidIdentifier(f"{value!r} is not a handle prefix/suffix with numeric prefix arcs")
    elif scheme == "oid":
        if not OID_PATTERN.match(value):
            raise InvalidIdentifier(f"{value!r} is not an OID of dotted numeric arcs")
    elif scheme in CHECKED:
        digits, checker, rule = CHECKED[scheme]
        if not re.fullmatch(digits, value):
            raise InvalidIdentifier(f"{value!r} is not a {scheme.upper()} ({rule}): wrong length or not digits only")
        try:
            checker.validate(value)
        except ValidationError as exc:
            raise InvalidIdentifier(f"{scheme.upper()} {value}: {exc} ({rule})") from None
    else:
        raise InvalidIdentifier(f"unknown identifier scheme {scheme!r}")
    return Identifier(scheme, value)


def parse_uri(uri: str) -> Identifier:
    """The identifier an alsoKnownAs or label URI names (the forms of Identifier.uri)."""
    if not isinstance(uri, str):
        raise InvalidIdentifier(f"an identifier URI is a string, got {type(uri).__name__}")
    if uri.startswith("hdl:"):
        return validate("handle", uri[4:])
    if uri.startswith("urn:oid:"):
        return validate("oid", uri[8:])
    match = re.fullmatch(r"urn:gsma:imei:([0-9]{8})-([0-9]{6})-([0-9])", uri)
    if match:
        return validate("imei", "".join(match.groups()))
    match = re.fullmatch(r"https://id\.gs1\.org/01/([0-9]{14})(?:/.*)?", uri)
    if match:
        return validate("gtin", match[1])
    raise InvalidIdentifier(f"{uri!r} is not an identifier URI the harness knows (hdl:, GS1 Digital Link, urn:gsma:imei:, urn:oid:)")
