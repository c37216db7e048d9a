"""The evidence bundle of a real campaign: tamper-evident, resumable after a
SIGKILL, and readable in a real browser with the right counts."""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness.evidence.records import allure_results_by_test, read_records
from harness.evidence.signing import MANIFEST, SIGNATURE, bundle_files, verify_bundle
from tests.integration.conftest import lab_config_variant

REPO = Path(__file__).resolve().parents[2]
SUBSET = ["--", "-k", "test_link_up"]  # five quick cases: enough to kill a campaign between two of them
SUITE_SIZE = 5
RECORD_WAIT_S = 300.0
BROWSER_TIMEOUT_S = 120
BROWSER_RENDER_BUDGET_MS = 20000


def campaign(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "campaign", *args], capture_output=True, text=True, cwd=REPO, **kwargs
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, refdut_image) -> Path:
    work = tmp_path_factory.mktemp("bundle")
    result = campaign("--lab-config", str(lab_config_variant(work, "conformant")), "--reports", str(work / "reports"), *SUBSET)
    assert result.returncode == 0, result.stdout + result.stderr
    return (work / "reports" / "latest").resolve()


def verify_cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "evidence", "verify", str(path), *args], capture_output=True, text=True, cwd=REPO
    )


def test_bundle_layout(bundle):
    for name in ("summary.html", "traceability.html", "traceability.json", "junit.xml", MANIFEST, SIGNATURE,
                 "html/index.html", "allure-results/environment.properties",
                 "evidence/lab-config.yaml", "evidence/image.json", "evidence/environment.json",
                 "evidence/run-1/link.pcap", "evidence/run-1/console.log", "evidence/run-1/qemu-stderr.log",
                 "evidence/run-1/qemu-filter-dump.pcap", "evidence/run-1/device-info.json"):
        assert (bundle / name).is_file(), name
    records = read_records(bundle / "evidence" / "tests")
    assert len(records) == SUITE_SIZE and set(allure_results_by_test(bundle / "allure-results")) == set(records)
    result = verify_cli(bundle)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout


def test_traceability_matrix_lists_every_clause_with_tests_and_evidence(bundle):
    matrix = json.loads((bundle / "traceability.json").read_text())
    clauses = {c["id"]: c for p in matrix["points"] for c in p["clauses"]}
    assert clauses["RFC4862-5.4.2"]["verdict"] == "passed"
    evidence = clauses["RFC4862-5.4.2"]["tests"][0]["evidence"]
    assert evidence and all((bundle / f).is_file() for f in evidence)
    assert clauses["TS24.301-5.5.1"]["verdict"] == "not covered"
    assert {p["id"] for p in matrix["points"]} == {"AP-IPV6", "AP-CELL", "AP-DID", "AP-OOOC", "AP-ACCESS", "AP-SECID", "AP-DATA"}


def _flip(path: Path, offset: int) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:])
    return data


def test_any_single_byte_change_in_any_file_is_detected(bundle):
    """Every file of the bundle, the manifest and signature included: flip one
    bit of one byte (first, middle and last), verify, restore."""
    files = bundle_files(bundle) + [bundle / MANIFEST, bundle / SIGNATURE]
    kinds = {p.suffix for p in files}
    assert {".pcap", ".log", ".json", ".html", ".yaml", ".sig", ".properties", ".txt"} <= kinds
    undetected = []
    for path in files:
        name = path.relative_to(bundle).as_posix()
        size = path.stat().st_size
        for offset in sorted({0, size // 2, size - 1}) if size else []:
            original = _flip(path, offset)
            try:
                result = verify_bundle(bundle)
                if result.ok or not (name in result.modified or result.signature_problems):
                    undetected.append(f"{name}@{offset}")
            finally:
                path.write_bytes(original)
    assert not undetected
    assert verify_bundle(bundle).ok


def test_missing_and_extra_files_and_bad_signature_fail_the_cli(bundle, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    (copy / "evidence" / "run-1" / "console.log").unlink()
    (copy / "evidence" / "planted.pcap").write_bytes(b"\xd4\xc3\xb2\xa1")
    result = verify_cli(copy)
    assert result.returncode == 1
    assert "missing: evidence/run-1/console.log" in result.stdout
    assert "extra: evidence/planted.pcap" in result.stdout
    (copy / SIGNATURE).unlink()
    assert "signature: manifest.sig missing" in verify_cli(copy).stdout


def test_pinned_fingerprint_rejects_a_throwaway_bundle(bundle):
    result = verify_cli(bundle, "--fingerprint", "SHA256:" + "0" * 64)
    assert result.returncode == 1 and "not by the trusted key" in result.stdout
    assert "throwaway" in (bundle / "summary.html").read_text()


# -- killed and resumed ---------------------------------------------------------------
def _wait_for_records(tests_dir: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + RECORD_WAIT_S
    while time.monotonic() < deadline and process.poll() is None:
        if len(read_records(tests_dir)) >= count:
            return
        time.sleep(0.2)  # polling the file system: records appear as tests end
    raise AssertionError(f"fewer than {count} records in {tests_dir} before the deadline or exit")


def _campaign_root(reports: Path, process: subprocess.Popen) -> Path:
    """The folder a campaign started under `reports`, once it exists."""
    deadline = time.monotonic() + RECORD_WAIT_S
    while not list(reports.glob("*/evidence")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)  # polling the file system: the campaign folder appears at its start
    return next(reports.glob("*/evidence")).parent


def test_sigkill_then_resume_gives_the_uninterrupted_verdicts(tmp_path, make_lab_config):
    config = make_lab_config("killed")
    reports = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(reports), *SUBSET],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        root = _campaign_root(reports, process)
        _wait_for_records(root / "evidence" / "tests", 2, process)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
    before = read_records(root / "evidence" / "tests")
    assert 2 <= len(before) < SUITE_SIZE, "the kill must land mid-campaign"
    for record in before.values():  # finished tests kept their evidence
        assert all((root / f).is_file() for f in record.evidence)
    assert not (root / MANIFEST).exists()

    result = campaign("--lab-config", str(config), "--reports", str(reports), "--resume", str(root), *SUBSET)
    assert result.returncode == 0, result.stdout + result.stderr
    after = read_records(root / "evidence" / "tests")
    assert len(after) == SUITE_SIZE and {r.status for r in after.values()} == {"passed"}
    for nodeid, record in before.items():  # not re-run
        assert after[nodeid].started == record.started
    results = allure_results_by_test(root / "allure-results")
    assert set(results) == set(after) and all(len(paths) == 1 for paths in results.values()), \
        "one allure result per test, no duplicate, none missing"
    assert (root / "evidence" / "run-1").is_dir() and (root / "evidence" / "run-2").is_dir()
    assert verify_bundle(root).ok


def test_resume_refuses_a_different_lab_config(bundle, make_lab_config, tmp_path):
    other = make_lab_config("other", lab_name="somewhere-else")
    result = campaign("--lab-config", str(other), "--reports", str(tmp_path), "--resume", str(bundle))
    assert result.returncode == 2 and "different lab config" in result.stderr


# -- a real browser -------------------------------------------------------------------
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(bundle):
    """The bundle over HTTP on loopback (the allure app fetches its data)."""
    handler = functools.partial(QuietHandler, directory=str(bundle))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(5)


def rendered_dom(url: str, profile: Path) -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run 'make setup'")
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={BROWSER_RENDER_BUDGET_MS}",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_summary_page_shows_the_recorded_counts_in_a_browser(bundle, served, tmp_path):
    dom = rendered_dom(f"{served}/summary.html", tmp_path / "profile")
    records = read_records(bundle / "evidence" / "tests")
    for status in ("passed", "failed", "broken", "skipped"):
        expected = sum(1 for r in records.values() if r.status == status)
        assert re.search(rf'data-count="{status}"[^>]*>{expected}<', dom), status
    assert 'data-point="AP-IPV6" data-verdict="passed"' in dom
    # The unit's profile: its mandatory IPv6 clauses met, as the matrix counts them.
    profile = next(u for u in json.loads((bundle / "traceability.json").read_text())["unit_profile"] if u["point"] == "AP-IPV6")
    assert re.search(rf'data-profile="AP-IPV6".*?data-mandatory-met="{profile["mandatory_met"]}"', dom), profile
    assert bundle.name in dom
    # Each label scheme read from the same campaign, with its headline and each requirement's status.
    schemes = json.loads((bundle / "traceability.json").read_text())["schemes"]
    assert len(schemes) >= 6
    for scheme in schemes:
        assert f'data-scheme="{scheme["id"]}" data-headline="{scheme["headline"]}"' in dom, scheme["id"]
        for requirement in scheme["requirements"]:
            assert f'data-requirement="{html.escape(requirement["id"])}" data-status="{requirement["status"]}"' in dom


def test_allure_report_shows_the_recorded_counts_in_a_browser(bundle, served, tmp_path):
    dom = rendered_dom(f"{served}/html/index.html", tmp_path / "profile")
    shown = {}
    for label in ("total", "passed"):
        start = dom.find(f'data-testid="metadata-item-{label}"')
        assert start >= 0, f"the allure app did not render its {label} count"
        number = re.search(rf"{label.title()} (\d+)", _text(dom[start:start + 1000]))
        shown[label] = int(number.group(1)) if number else None
    records = read_records(bundle / "evidence" / "tests")
    assert shown == {"total": len(records), "passed": sum(r.status == "passed" for r in records.values())}
