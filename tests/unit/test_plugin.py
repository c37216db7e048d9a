"""The pytest plugin: inert without a lab config, strict about requirement ids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.evidence.catalogue import load_catalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "testsuites" / "requirements.yaml"

REPO = Path(__file__).resolve().parents[2]


def run_pytest(tmp_path: Path, body: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["harness.plugin"]\n')
    (tmp_path / "test_sample.py").write_text("import pytest\n\n" + body)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path), "--catalogue", str(CATALOGUE), *args],
        capture_output=True, text=True, cwd=tmp_path,
    )


def test_catalogue_holds_every_compliance_point():
    catalogue = load_catalogue(CATALOGUE)
    assert set(catalogue.points) == {"AP-IPV6", "AP-CELL", "AP-DID", "AP-OOOC", "AP-ACCESS", "AP-SECID", "AP-DATA"}
    assert all(point.clauses for point in catalogue.points.values())


def test_plugin_is_inert_without_a_lab_config(tmp_path):
    result = run_pytest(tmp_path, "def test_plain():\n    assert 1 + 1 == 2\n\ndef test_dut(dut):\n    pass\n")
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout


@pytest.mark.parametrize(
    "marker, named",
    [('"AP-TELEPORT", "RFC4862-5.4.2"', "compliance point 'AP-TELEPORT'"), ('"AP-IPV6", "RFC9999-1"', "clause 'RFC9999-1' of AP-IPV6")],
    ids=["unknown point", "unknown clause"],
)
def test_requirement_marker_must_name_catalogue_ids(tmp_path, marker, named):
    result = run_pytest(tmp_path, f"@pytest.mark.requirement({marker})\ndef test_x():\n    pass\n")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert named in result.stderr and "not in the catalogue" in result.stderr


def test_a_known_requirement_marker_is_accepted(tmp_path):
    result = run_pytest(tmp_path, '@pytest.mark.requirement("AP-IPV6", "RFC4862-5.4.2")\ndef test_x():\n    pass\n')
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_lab_config_is_a_usage_error_naming_the_line(tmp_path):
    bad = tmp_path / "lab.yaml"
    text = (REPO / "lab_configs" / "qemu-x86_64.yaml").read_text().replace("memory_mb: 256", "memory_mb: x")
    bad.write_text(text)
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "memory_mb: x" in row)
    result = run_pytest(tmp_path, "def test_x():\n    pass\n", "--lab-config", str(bad))
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert f"{bad}:{line}: dut.memory_mb:" in result.stderr
    assert "Traceback" not in result.stderr


VERDICT_CASES = '''
from harness.verdict import nonconformant

@pytest.fixture
def needs_an_address():
    nonconformant("RFC4862-5.5.3", "an address", "none formed")

@pytest.fixture
def lab_breaks():
    raise ConnectionResetError("instrument socket died")

def test_passes():
    pass

def test_product_failure_in_body():
    nonconformant("RFC4443-4.2", "a reply", "none")

def test_product_failure_in_fixture(needs_an_address):
    pass

def test_lab_failure_in_fixture(lab_breaks):
    pass

def test_lab_failure_in_body():
    raise TimeoutError("instrument timeout")

def test_not_applicable():
    pytest.skip("DUT does not declare feature 'nbiot'")
'''


def test_verdict_records_follow_the_product_versus_lab_rule(tmp_path):
    evidence = tmp_path / "evidence"
    result = run_pytest(
        tmp_path, VERDICT_CASES, "--lab-config", str(REPO / "lab_configs" / "qemu-x86_64.yaml"), "--evidence-dir", str(evidence)
    )
    from harness.evidence.records import read_records

    verdicts = {r.name: r.status for r in read_records(evidence / "tests").values()}
    assert verdicts == {
        "test_passes": "passed",
        "test_product_failure_in_body": "failed",
        "test_product_failure_in_fixture": "failed",
        "test_lab_failure_in_fixture": "broken",
        "test_lab_failure_in_body": "broken",
        "test_not_applicable": "skipped",
    }, result.stdout
    messages = {r.name: r.message for r in read_records(evidence / "tests").values()}
    assert messages["test_product_failure_in_fixture"].startswith("RFC 4862 5.5.3: expected an address; observed none formed")
    assert "ConnectionResetError" in messages["test_lab_failure_in_fixture"]


DISK_FAILS_FOR_ONE = '''
import harness.evidence.collector as collector

real_write = collector.write_record

def failing_write(folder, record):
    if record.name == "test_b":
        raise OSError(28, "No space left on device")
    return real_write(folder, record)

collector.write_record = failing_write

def test_a():
    pass

def test_b():
    pass

def test_c():
    pass
'''


def test_an_evidence_disk_failure_breaks_the_test_and_the_session_goes_on(tmp_path):
    evidence = tmp_path / "evidence"
    result = run_pytest(
        tmp_path, DISK_FAILS_FOR_ONE, "--lab-config", str(REPO / "lab_configs" / "qemu-x86_64.yaml"), "--evidence-dir", str(evidence)
    )
    from harness.evidence.records import read_records

    assert "INTERNALERROR" not in result.stdout + result.stderr
    assert {r.name: r.status for r in read_records(evidence / "tests").values()} == {"test_a": "passed", "test_c": "passed"}
    assert "1 error" in result.stdout and "No space left on device" in result.stdout, result.stdout


PARAMETRIZED = '''
@pytest.mark.parametrize("cause", [3, 11, 12])
def test_rejected(cause):
    pass

@pytest.mark.skip(reason="not applicable")
def test_skipped():
    pass
'''


def test_every_parametrization_keeps_its_allure_result_and_matches_its_record(tmp_path):
    """allure-pytest gives the three one fullName; the bundle keeps three results, one per record."""
    from harness.campaign import drop_duplicate_results
    from harness.evidence.records import allure_results_by_test, finished_tests, read_records

    evidence, results = tmp_path / "evidence", tmp_path / "allure"
    run_pytest(tmp_path, PARAMETRIZED, "--lab-config", str(REPO / "lab_configs" / "qemu-x86_64.yaml"),
               "--evidence-dir", str(evidence), "--alluredir", str(results))
    drop_duplicate_results(results)
    records = set(read_records(evidence / "tests"))
    assert len(records) == 4 and set(allure_results_by_test(results)) == records
    assert finished_tests(evidence / "tests", results) == records
