"""What a TLS scan of one service found, and the error of a report that cannot be read."""

from __future__ import annotations

from dataclasses import dataclass

from harness.malformed import MalformedInput


class TlsReportMalformed(MalformedInput):
    """sslyze's report is not JSON of bounded size and nesting (raised as TlsScanError)."""


@dataclass(frozen=True)
class TlsScan:
    port: int
    accepted: dict[str, list[str]]  # protocol name -> accepted cipher suites (IANA names)
    chain_valid: bool
    chain_error: str | None
    report: str  # sslyze's JSON
