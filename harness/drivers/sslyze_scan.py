"""sslyze (run as its own program in the host stack, so its probes cross
the DUT's link) against one TLS service of the unit: which protocol
versions and cipher suites it accepts, and whether its certificate chain
validates against the maker's CA for the declared name. sslyze is AGPL-3.0
and runs as a separate program; its JSON report is the evidence."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.drivers.hoststack import HostStack
from harness.errors import HarnessError

PROTOCOLS = {"ssl_2_0": "SSL 2.0", "ssl_3_0": "SSL 3.0", "tls_1_0": "TLS 1.0", "tls_1_1": "TLS 1.1",
             "tls_1_2": "TLS 1.2", "tls_1_3": "TLS 1.3"}
SUPPLIED_TRUST_STORE = "Supplied CA file"


class TlsScanError(HarnessError):
    """sslyze did not run, or could not reach the service at all."""


@dataclass(frozen=True)
class TlsScan:
    port: int
    accepted: dict[str, list[str]]  # protocol name -> accepted cipher suites (IANA names)
    chain_valid: bool
    chain_error: str | None
    report: str  # sslyze's JSON


def parse_report(text: str, port: int) -> TlsScan:
    try:
        result = json.loads(text)["server_scan_results"][0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise TlsScanError(f"sslyze report unreadable: {exc}") from exc
    if result.get("connectivity_status") != "COMPLETED":
        raise TlsScanError(f"sslyze could not connect to port {port}: {result.get('connectivity_error_trace')}")
    scans = result["scan_result"]
    accepted = {}
    for key, name in PROTOCOLS.items():
        attempt = scans.get(f"{key}_cipher_suites") or {}
        if attempt.get("status") != "COMPLETED":
            raise TlsScanError(f"sslyze's {name} scan of port {port} did not complete: {attempt.get('error_reason')}")
        accepted[name] = [suite["cipher_suite"]["name"] for suite in attempt["result"]["accepted_cipher_suites"]]
    certificate = scans.get("certificate_info") or {}
    if certificate.get("status") != "COMPLETED":
        raise TlsScanError(f"sslyze's certificate scan of port {port} did not complete: {certificate.get('error_reason')}")
    deployment = certificate["result"]["certificate_deployments"][0]
    supplied = next(v for v in deployment["path_validation_results"] if v["trust_store"]["name"] == SUPPLIED_TRUST_STORE)
    return TlsScan(port, accepted, bool(supplied["was_validation_successful"]), supplied.get("validation_error"), text)


def scan_tls(stack: HostStack, address: str, port: int, server_name: str, ca: Path, timeout: float) -> TlsScan:
    """Every protocol version and the certificate, for `server_name` at `address`."""
    with tempfile.TemporaryDirectory(prefix="sslyze-") as work:
        out = Path(work) / "report.json"
        argv = [sys.executable, "-m", "sslyze", f"{server_name}:{port}{{{address}}}", "--quiet", "--slow_connection",
                "--certinfo", "--certinfo_ca_file", str(ca), "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2",
                "--tlsv1_3", "--json_out", str(out)]
        ran = stack.run(argv, timeout)
        if not out.exists():
            raise TlsScanError(f"sslyze exited {ran.returncode} without a report: {(ran.stderr or ran.stdout)[-2000:]}")
        return parse_report(out.read_text(), port)
