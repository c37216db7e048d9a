"""What every lab-config section is built from: strict models, MAC addresses,
regular expressions checked when read, paths relative to the config file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

MAC_PATTERN = r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"


def unicast_mac(value: str) -> str:
    if int(value[:2], 16) & 1:
        raise ValueError(f"{value} is a multicast MAC address (first octet odd); a NIC needs a unicast one")
    return value


Mac = Annotated[
    str, Field(pattern=MAC_PATTERN, description="unicast MAC address, lowercase, colon-separated"), AfterValidator(unicast_mac)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def valid_regex(value: str | None) -> str | None:
    if value is None:
        return None
    if value == "":
        raise ValueError("an empty regular expression matches anywhere; leave the key out for the default")
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


def relative_to_config(value: Path | None, info: ValidationInfo) -> Path | None:
    """Relative paths in a lab config are relative to the config file; a file
    the config names must exist (a missing image fails now, not at boot).
    Without the config's folder a relative path cannot be checked."""
    base = (info.context or {}).get("base_dir")
    if value is None:
        return value
    try:
        if not value.is_absolute():
            if base is None:
                return value
            value = (Path(base) / value).resolve()
        found = value.is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL, a loop of links
        raise ValueError(f"not a usable path ({getattr(exc, 'strerror', None) or exc}): {str(value)[:120]}") from None
    if not found:
        raise ValueError(f"no such file: {value}")
    return value
