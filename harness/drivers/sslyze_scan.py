"""sslyze (run as its own program in the host stack, so its probes cross
the DUT's link) against one TLS service of the unit: which protocol
versions and cipher suites it accepts, and whether its certificate chain
validates against the maker's CA for the declared name. sslyze is AGPL-3.0
and runs as a separate program; its JSON report is the evidence."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from harness.drivers.hoststack import HostStack
from harness.errors import HarnessError
from harness.malformed import json_object
from harness.values.tls import TlsReportMalformed, TlsScan

PROTOCOLS = {"ssl_2_0": "SSL 2.0", "ssl_3_0": "SSL 3.0", "tls_1_0": "TLS 1.0", "tls_1_1": "TLS 1.1",
             "tls_1_2": "TLS 1.2", "tls_1_3": "TLS 1.3"}
SUPPLIED_TRUST_STORE = "Supplied CA file"


class TlsScanError(HarnessError):
    """sslyze did not run, could not reach the service at all, or left a
    report the harness cannot read: the lab's failure."""


class _Report(BaseModel):
    """The members of sslyze's JSON report the harness reads (others ignored)."""

    class _Named(BaseModel):
        name: str

    class _Accepted(BaseModel):
        cipher_suite: "_Report._Named"

    class _Suites(BaseModel):
        accepted_cipher_suites: list["_Report._Accepted"]

    class _Validation(BaseModel):
        trust_store: "_Report._Named"
        was_validation_successful: bool
        validation_error: str | None = None

    class _Deployment(BaseModel):
        path_validation_results: list["_Report._Validation"]

    class _Certificates(BaseModel):
        certificate_deployments: list["_Report._Deployment"] = Field(min_length=1)

    class _Attempt(BaseModel):
        status: str
        error_reason: str | None = None
        result: dict | None = None

    class _Server(BaseModel):
        connectivity_status: str
        connectivity_error_trace: str | None = None
        scan_result: dict[str, "_Report._Attempt | None"] | None = None

    server_scan_results: list[_Server] = Field(min_length=1)


_Report.model_rebuild()


def parse_report(text: str, port: int) -> TlsScan:
    """sslyze's JSON report, validated into the members the harness reads;
    anything else (a cut report, a member of the wrong type) is TlsScanError."""
    try:
        server = _Report.model_validate(json_object(text, "sslyze's report", TlsReportMalformed)).server_scan_results[0]
    except (TlsReportMalformed, ValidationError) as exc:
        raise TlsScanError(f"sslyze report unreadable: {_first_error(exc)}") from None
    if server.connectivity_status != "COMPLETED" or server.scan_result is None:
        raise TlsScanError(f"sslyze could not connect to port {port}: {str(server.connectivity_error_trace)[-500:]}")
    accepted = {}
    for key, name in PROTOCOLS.items():
        suites = _completed(server.scan_result, f"{key}_cipher_suites", f"{name} scan", port, _Report._Suites)
        accepted[name] = [suite.cipher_suite.name for suite in suites.accepted_cipher_suites]
    certificates = _completed(server.scan_result, "certificate_info", "certificate scan", port, _Report._Certificates)
    supplied = next((v for v in certificates.certificate_deployments[0].path_validation_results
                     if v.trust_store.name == SUPPLIED_TRUST_STORE), None)
    if supplied is None:
        raise TlsScanError(f"sslyze's certificate scan of port {port} has no result for the {SUPPLIED_TRUST_STORE}")
    return TlsScan(port, accepted, supplied.was_validation_successful, supplied.validation_error, text)


def _completed(scans: dict, key: str, what: str, port: int, model: type[BaseModel]):
    attempt = scans.get(key)
    if attempt is None or attempt.status != "COMPLETED":
        reason = attempt.error_reason if attempt is not None else "absent from the report"
        raise TlsScanError(f"sslyze's {what} of port {port} did not complete: {reason}")
    try:
        return model.model_validate(attempt.result)
    except ValidationError as exc:
        raise TlsScanError(f"sslyze's {what} of port {port} is unreadable: {_first_error(exc)}") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors(include_url=False)[0]
        return f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
    return str(exc)


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
