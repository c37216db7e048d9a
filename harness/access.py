"""AP-ACCESS knowledge: what a licensed module and a network-access licence
look like. Pure functions; the suite (testsuites/access) reads the module
over AT and the unit's electronic label over its console."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.identity.identifiers import validate

# MIIT telecom-equipment network-access licence numbers as printed on
# licensed equipment and its electronic label: two digits, four letters or
# digits, six digits (e.g. 02-A123-261234). Checks the form only; whether the
# number is in MIIT's register is the lab's to look up.
LICENCE_PATTERN = re.compile(r"[0-9]{2}-[0-9A-Z]{4}-[0-9]{6}")
TAC_DIGITS = 8  # TS 23.003 6.2.1: the Type Allocation Code leads the IMEI


def licence_is_well_formed(number: str) -> bool:
    return LICENCE_PATTERN.fullmatch(number) is not None


def type_allocation_code(imei: str) -> str:
    """The IMEI's TAC; raises InvalidIdentifier for anything but a valid IMEI."""
    return validate("imei", imei).value[:TAC_DIGITS]


@dataclass(frozen=True)
class ModuleIdentity:
    """What +CGMI, +CGMM and +CGMR answer (TS 27.007 5.1-5.3)."""

    manufacturer: str
    model: str
    revision: str


def module_differences(declared: ModuleIdentity, reported: ModuleIdentity) -> list[str]:
    """Each field the module reports differently from the declaration, as
    'field: declared X, reported Y'. Case and surrounding blanks do not count
    (modules answer 'QUECTEL' for Quectel); an empty declared revision is
    not checked."""
    differences = []
    for field in ("manufacturer", "model", "revision"):
        want, got = getattr(declared, field).strip(), getattr(reported, field).strip()
        if want and want.casefold() != got.casefold():
            differences.append(f"{field}: declared {want!r}, reported {got!r}")
    return differences
