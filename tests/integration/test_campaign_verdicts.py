"""Fault-detection matrix: the campaign command against each profile of the
reference DUT. Every check passes on the conformant profile, fails (not
breaks) under the profile that breaks what it checks, and still passes under
a profile that breaks something else. A DUT that never boots is `broken`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scapy.utils import rdpcap

REPO = Path(__file__).resolve().parents[2]

CHECKS = {
    "test_dad_probe_for_link_local_address",
    "test_mldv2_report_after_link_up",
    "test_router_solicitation_after_link_up",
    "test_solicited_na_for_link_local_address",
    "test_slaac_address_from_advertised_prefix",
    "test_echo_reply_on_global_address",
}

# profile -> the checks it must make fail; every other check must pass.
FAULT_MATRIX = {
    "conformant": set(),
    "ipv6-off": CHECKS,
    "mldv1": {"test_mldv2_report_after_link_up"},
}
EXIT_ALL_PASSED, EXIT_FAILED, EXIT_BROKEN = 0, 1, 2


def run_campaign(config: Path, reports: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    result = subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(reports)],
        capture_output=True, text=True, cwd=REPO,
    )
    return result, (reports / "latest").resolve()


def statuses(campaign: Path) -> dict[str, dict]:
    results = [json.loads(p.read_text()) for p in (campaign / "allure-results").glob("*-result.json")]
    return {r["name"]: r for r in results}


@pytest.mark.parametrize("profile", FAULT_MATRIX)
def test_fault_profile_fails_exactly_its_checks(profile, make_lab_config, tmp_path):
    config = make_lab_config(profile, **{"refdut.profile=conformant": f"refdut.profile={profile}"})
    result, campaign = run_campaign(config, tmp_path / "reports")
    results = statuses(campaign)
    assert set(results) == CHECKS, result.stdout + result.stderr
    verdicts = {name: r["status"] for name, r in results.items()}
    expected = {name: "failed" if name in FAULT_MATRIX[profile] else "passed" for name in CHECKS}
    assert verdicts == expected
    assert result.returncode == (EXIT_FAILED if FAULT_MATRIX[profile] else EXIT_ALL_PASSED)
    for name in FAULT_MATRIX[profile]:
        message = results[name]["statusDetails"]["message"]
        assert "RFC" in message and "expected" in message and "observed" in message, message
    assert (campaign / "html" / "index.html").exists()
    assert f"{len(CHECKS)} results" in result.stdout


def test_results_carry_labels_environment_and_evidence_slices(make_lab_config, tmp_path):
    result, campaign = run_campaign(make_lab_config("conformant"), tmp_path / "reports")
    assert result.returncode == EXIT_ALL_PASSED, result.stdout + result.stderr
    for name, res in statuses(campaign).items():
        labels = {(label["name"], label["value"]) for label in res["labels"]}
        assert ("compliance_point", "AP-IPV6") in labels, name
        assert any(key == "clause" and value.startswith("RFC") for key, value in labels), name
        attachments = {a["name"]: a["source"] for a in res["attachments"]}
        assert {"capture.pcap", "console.log"} <= set(attachments), name
        frames = rdpcap(str(campaign / "allure-results" / attachments["capture.pcap"]))
        assert len(frames) > 0, f"{name}: its capture slice is empty"
    environment = (campaign / "allure-results" / "environment.properties").read_text()
    image = json.loads((REPO / "build" / "refdut" / "image.json").read_text())
    assert f"image.sha256={image['image_sha256']}" in environment
    manifest = json.loads((campaign / "manifest.json").read_text())["files"]
    assert "evidence/run-1/link.pcap" in manifest and "evidence/run-1/console.log" in manifest
    assert "evidence/run-1/qemu-filter-dump.pcap" in manifest


def test_a_dut_that_never_boots_is_broken_not_failed(make_lab_config, tmp_path):
    config = make_lab_config("never-boots", **{"refdut.profile=conformant": "refdut.profile=no-such-profile"})
    result, campaign = run_campaign(config, tmp_path / "reports")
    results = statuses(campaign)
    assert set(results) == CHECKS
    assert {r["status"] for r in results.values()} == {"broken"}
    assert all("FATAL unknown fault profile" in r["statusDetails"]["message"] for r in results.values())
    assert result.returncode == EXIT_BROKEN
