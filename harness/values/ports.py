"""What a port scan found: each listed port's state, and the scan as a whole."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortState:
    protocol: str  # tcp, udp
    port: int
    state: str  # nmap's: open, closed, filtered, open|filtered, ...
    reason: str  # what nmap saw: syn-ack, reset, udp-response, port-unreach, no-response
    service: str  # nmap's name for the port number (not a probe of it)


@dataclass(frozen=True)
class ScanResult:
    target: str
    ports: list[PortState]  # the ports nmap listed one by one; the rest share its 'extraports' state
    reports: list[str]  # nmap's XML, one per pass
    elapsed_s: float

    def in_state(self, state: str) -> list[PortState]:
        return [port for port in self.ports if port.state == state]

    def rechecked(self, later: "ScanResult") -> "ScanResult":
        """This scan with the ports a later pass saw replaced by what it saw."""
        seen = {(port.protocol, port.port): port for port in later.ports}
        kept = [port for port in self.ports if (port.protocol, port.port) not in seen]
        return ScanResult(self.target, kept + later.ports, self.reports + later.reports, self.elapsed_s + later.elapsed_s)
