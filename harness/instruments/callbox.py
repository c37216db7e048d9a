"""The callbox protocol the cellular suites use, whatever the vendor, and its
typed answers. Each vendor's command set is one small driver (cmw.py)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal, Protocol

AttachState = Literal["off", "on", "attached", "connected", "signalling", "other"]
IpVersions = Literal["IPV4", "IPV6", "IPV46"]


@dataclass(frozen=True)
class UeInfo:
    imei: str | None
    imsi: str | None
    ipv4: ipaddress.IPv4Address | None
    ipv6: ipaddress.IPv6Address | None


class Callbox(Protocol):
    identity: str

    def cell(self, on: bool) -> None: ...
    def cell_is_on(self) -> bool: ...
    def set_ip_versions(self, versions: IpVersions) -> None: ...
    def set_psm(self, allowed: bool, t3324_s: int | None = None, t3412_extended_s: int | None = None) -> None: ...
    def reject_next_attach(self, cause: int | None, t3346_s: int | None = None) -> None: ...
    def attach_state(self) -> AttachState: ...
    def ue_info(self) -> UeInfo: ...
    def detach(self) -> None: ...
    def log_between(self, start: float, end: float) -> str: ...
    def close(self) -> None: ...
