"""Personal information in a payload: resident identity numbers with a
valid check digit (GB 11643-1999, through python-stdnum), mainland mobile
numbers, and coordinates precise enough to place a person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

RIC_CANDIDATE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
# Mainland mobile numbers: 11 digits from 13x to 19x, optionally with +86.
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
# Four decimals of a degree is about 11 m: a building, a person's location.
PRECISE_DECIMALS = 4
COORDINATE_PAIR = re.compile(r"-?[0-9]{1,3}\.([0-9]+)\s*,\s*-?[0-9]{1,3}\.([0-9]+)")
LATITUDE_KEYS = {"lat", "latitude"}
LONGITUDE_KEYS = {"lon", "lng", "long", "longitude"}


@dataclass(frozen=True)
class PersonalFinding:
    field: str  # the field's path in the payload: a.b[2]
    kind: str
    shown: str  # masked, for messages and reports

    def __str__(self) -> str:
        return f"{self.kind} in {self.field} ({self.shown})"


def is_resident_id(text: str) -> bool:
    """python-stdnum's check (length, check digit, birth date, birth place).
    Its place lookup raises KeyError for a region code known only down to
    its prefecture - after the check digit, the date and the region matched,
    so the number is as valid as stdnum can tell."""
    try:
        ric.validate(text)
    except ValidationError:
        return False
    except KeyError:
        return True
    return True


def _mask(text: str) -> str:
    return text[:3] + "*" * max(len(text) - 7, 0) + text[-4:] if len(text) > 7 else "*" * len(text)


def _leaves(value: Any, path: str = "", key: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, its last key in lower case, value) of every scalar of a JSON value."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _leaves(inner, f"{path}.{name}" if path else str(name), str(name).lower())
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, f"{path}[{index}]", key)
    else:
        yield path, key, value


def _decimals(number: Any) -> int:
    text = repr(number) if isinstance(number, float) else str(number)
    return len(text.split(".", 1)[1]) if "." in text else 0


def find_personal(payload: dict[str, Any]) -> list[PersonalFinding]:
    found = []
    for path, key, value in _leaves(payload):
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)) and key in LATITUDE_KEYS | LONGITUDE_KEYS:
            if _decimals(value) >= PRECISE_DECIMALS:
                found.append(PersonalFinding(path, "precise coordinate", str(value)))
            continue
        text = str(value)
        for match in RIC_CANDIDATE.finditer(text):
            if is_resident_id(match.group()):
                found.append(PersonalFinding(path, "resident identity number (valid check digit)", _mask(match.group())))
        for match in MOBILE.finditer(text):
            found.append(PersonalFinding(path, "mobile number", _mask(match.group())))
        for match in COORDINATE_PAIR.finditer(text):
            if min(len(match.group(1)), len(match.group(2))) >= PRECISE_DECIMALS:
                found.append(PersonalFinding(path, "precise coordinate pair", match.group()))
    return found
