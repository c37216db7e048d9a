"""sslyze as the harness runs it, against real OpenSSL servers on loopback
holding the reference DUT's certificate: a TLS 1.2+ server with a chain
valid for the declared name under the maker's CA, one that still speaks
TLS 1.0, and a name the certificate is not for."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import threading
import time

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from harness.drivers.hoststack import ClientResult
from harness.drivers.sslyze_scan import scan_tls
from harness.secid import ACCEPTABLE_PROTOCOLS

REFDUT = Path(__file__).resolve().parents[2] / "fixtures" / "refdut"
SERVER_START_TIMEOUT_S = 10.0
SCAN_TIMEOUT_S = 120.0


class LocalRunner:
    """The host stack's run(), on the host: loopback needs no namespace."""

    def run(self, argv: list[str], timeout: float) -> ClientResult:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return ClientResult(argv, done.returncode, done.stdout, done.stderr)


@pytest.fixture
def maker_files(tmp_path):
    sys.path.insert(0, str(REFDUT))
    import maker_pki

    (tmp_path / "unit.pem").write_bytes(maker_pki.unit_certificate_pem())
    (tmp_path / "unit.key").write_bytes(maker_pki.unit_key_pem())
    (tmp_path / "ca.pem").write_bytes(maker_pki.ca_certificate().public_bytes(Encoding.PEM))
    return tmp_path, maker_pki.UNIT_NAME


def _serve(folder, *policy: str):
    """s_server on a free loopback port, once it says it accepts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(folder / "unit.pem"),
                               "-key", str(folder / "unit.key"), "-www", *policy],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    seen = b""
    while b"ACCEPT" not in seen:
        ready, _, _ = select.select([server.stdout], [], [], max(deadline - time.monotonic(), 0))
        chunk = server.stdout.read1(4096) if ready else b""
        if not chunk:
            server.kill()
            raise RuntimeError(f"openssl s_server did not accept connections: {seen.decode(errors='replace')}")
        seen += chunk
    # Its output must keep flowing, or a full pipe stops the server mid-scan.
    threading.Thread(target=server.stdout.read, daemon=True).start()
    return server, port


@pytest.mark.parametrize("policy, old_versions", [
    (["-no_tls1", "-no_tls1_1", "-cipher", "ECDHE+AESGCM:ECDHE+CHACHA20"], False),
    (["-cipher", "DEFAULT@SECLEVEL=0"], True),
], ids=["tls12-and-later", "tls10-left-on"])
def test_versions_suites_and_chain_as_sslyze_sees_them(maker_files, policy, old_versions):
    folder, name = maker_files
    server, port = _serve(folder, *policy)
    try:
        scan = scan_tls(LocalRunner(), "127.0.0.1", port, name, folder / "ca.pem", SCAN_TIMEOUT_S)
        wrong_name = scan_tls(LocalRunner(), "127.0.0.1", port, "other.device.example", folder / "ca.pem", SCAN_TIMEOUT_S)
    finally:
        server.kill()
        server.wait()
    assert scan.chain_valid, scan.chain_error
    assert not wrong_name.chain_valid and "other.device.example" not in (scan.chain_error or "")
    assert bool(scan.accepted["TLS 1.0"]) is old_versions
    assert any(scan.accepted[protocol] for protocol in ACCEPTABLE_PROTOCOLS)
    assert '"server_scan_results"' in scan.report
