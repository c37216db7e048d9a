"""Verdicts end to end through the campaign command. The fault-detection
matrix: every case passes on the conformant profile, fails (not breaks) under
the profiles that break what it checks, and still passes under the others.
Results carry their labels and evidence. A DUT that never boots is `broken`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from scapy.utils import rdpcap

from harness.cellular.trace import read_nas_trace
from harness.config import load_lab_config, write_lab_config
from harness.drivers.tshark import disagreements, tshark_rows
from harness.evidence.records import read_records
from harness.faultmatrix import profile_config
from harness.faultplan import suite_cases

REPO = Path(__file__).resolve().parents[2]

EXIT_ALL_PASSED, EXIT_FAILED, EXIT_BROKEN = 0, 1, 2
# Link-up cases: quick, and they exercise the console, QMP-free link restarts and the recorder.
SUBSET = "test_link_up"
NBIOT_LAB = REPO / "lab_configs" / "qemu-x86_64-nbiot.yaml"
NBIOT_FAULTS = {"module-no-ciot-bits": "test_ue_network_capability_declares_control_plane_ciot",
                "module-pco-not-epco": "test_extended_pco_is_used"}
NBIOT_ONLY = set(NBIOT_FAULTS.values())
# A shipped lab's own campaign, every suite but the IPv6 one: the shipped QEMU
# labs share the default lab's image, link and IPv6 declaration, whose IPv6
# verdicts the fault matrix's conformant run proves; the rest depends on
# what each lab declares (no label, no cellular, no identity section ...).
OWN_CAMPAIGN = ("--ignore=testsuites/ipv6", "-m", "not slow")
# The fault profiles of CI's matrix run their cases in one shuffled order
# (the conformant run is the baseline in collection order): a verdict that
# depends on the order shows as a mismatch. Fixed, so a failure reproduces.
FAULT_CASE_ORDER = "shuffled:2027"
# The matrix's campaigns yield the CPU to the tests beside them (about 90 %
# to a nice-0 task when both want a core).
MATRIX_NICENESS = 10


def tshark_disagrees_with_us(campaign: Path) -> list[str]:
    """Wireshark's reading of the campaign's NAS trace against ours."""
    trace = campaign / "evidence" / "cellular" / "nas-trace.pcap"
    return disagreements([m.message for m in read_nas_trace(trace)], tshark_rows(trace))


def run_campaign(config: Path, reports: Path, *pytest_args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    extra = ["--", *pytest_args] if pytest_args else []
    result = subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(reports), *extra],
        capture_output=True, text=True, cwd=REPO,
    )
    return result, (reports / "latest").resolve()


def junit_verdicts(campaign: Path) -> dict[str, str]:
    """node id -> verdict, as the campaign's junit.xml tells a CI system."""
    root = ElementTree.parse(campaign / "junit.xml").getroot()
    verdicts = {}
    for case in root.iter("testcase"):
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        kind = next((k for k in ("failure", "error", "skipped") if case.find(k) is not None), None)
        if {None: "passed", "failure": "failed", "error": "broken", "skipped": "skipped"}[kind] != properties["verdict"]:
            raise AssertionError(f"{properties['nodeid']}: element {kind} disagrees with verdict {properties['verdict']}")
        verdicts[properties["nodeid"]] = properties["verdict"]
    return verdicts


def statuses(campaign: Path) -> dict[str, dict]:
    results = [json.loads(p.read_text()) for p in (campaign / "allure-results").glob("*-result.json")]
    return {r["name"]: r for r in results}


def test_fault_matrix_every_case_fails_under_a_profile_and_passes_on_the_conformant_dut(tmp_path, refdut_image):
    """The CI plan of the fault matrix (fixtures/refdut/fault-matrix.yaml):
    every case on the conformant DUT, and under its narrowest fault profile
    with its module's untargeted cases as controls, those in a shuffled
    order. `make fault-matrix` runs the full cross-product."""
    result = subprocess.run(  # low priority: the tests run beside it keep their timing (tests/conftest.py)
        ["nice", "-n", str(MATRIX_NICENESS), sys.executable, "-m", "harness", "fault-matrix", "--plan", "ci",
         "--case-order", FAULT_CASE_ORDER, "--reports", str(tmp_path / "matrix")],
        capture_output=True, text=True, cwd=REPO,
    )
    print(result.stdout[-2000:])  # the plan's size and wall time, for the CI log
    matrix = json.loads((tmp_path / "matrix" / "fault-matrix.json").read_text())
    assert matrix["case_order"] == {"conformant": "collection", "faults": FAULT_CASE_ORDER}
    assert matrix["mismatches"] == [], result.stdout[-5000:]
    assert result.returncode == 0
    assert matrix["not_targeted"] == []
    # The default lab is Cat-1: the NB-IoT cases are proven on the NB-IoT lab (below).
    assert set(matrix["not_applicable"]) == NBIOT_ONLY
    profiles = matrix["profiles"]
    cases = set(profiles["conformant"]["verdicts"]) - NBIOT_ONLY
    assert len(cases) >= 65
    assert {profiles["conformant"]["verdicts"][case] for case in cases} == {"passed"}
    unproven = {case for case, proof in matrix["proofs"].items() if proof["fails_under"] is None}
    assert unproven == set(), "every case fails under at least one profile"
    assert {case for case, proof in matrix["proofs"].items() if proof["passes_conformant"] == "passed"} == cases
    for profile in profiles.values():  # a product failure names clause, expectation and observation
        for case, message in profile["messages"].items():
            if profile["verdicts"][case] == "failed":
                assert "expected" in message and "observed" in message, (case, message)
    assert (tmp_path / "matrix" / "fault-matrix.html").exists()
    parts = [tmp_path / "matrix" / part for part in profiles["conformant"]["campaigns"]]
    for part in parts:  # the CI system's view (junit.xml) is the records' own
        assert junit_verdicts(part) == {nodeid: r.status for nodeid, r in read_records(part / "evidence" / "tests").items()}
    # One failing case reads as "not met" on every label scheme whose requirement it decides.
    for part in profiles["secid-default-password"]["campaigns"]:
        schemes = json.loads((tmp_path / "matrix" / part / "traceability.json").read_text())["schemes"]
        decided = [(s["id"], r) for s in schemes for r in s["requirements"] if "EN303645-5.1-1" in r["clauses"]]
        assert len({scheme for scheme, _ in decided}) >= 6, schemes
        assert all(r["status"] == "not met" and r["failing_tests"] for _, r in decided), decided
    traced = [part for part in parts if (part / "evidence" / "cellular" / "nas-trace.pcap").exists()]
    assert traced, "the AP-CELL part of the conformant run kept its NAS trace"
    for part in traced:
        assert tshark_disagrees_with_us(part) == [], part


def test_the_ipv6_suite_gives_the_same_verdicts_reversed(tmp_path, refdut_image):
    """Each IPv6 case establishes the state it needs: run in reverse, on
    the conformant DUT, every case still passes (the matrix's conformant run
    proves collection order, its fault profiles a shuffled one)."""
    result, campaign = run_campaign(
        REPO / "lab_configs" / "qemu-x86_64.yaml", tmp_path / "reversed", "--case-order", "reversed", "-m", "not slow",
        *(f"--ignore=testsuites/{suite}" for suite in ("cellular", "identity", "access", "secid", "data")),
    )
    verdicts = suite_verdicts(campaign, "ipv6")
    assert len(verdicts) >= 45, result.stdout[-3000:]
    assert {case: verdict for case, verdict in verdicts.items() if verdict != "passed"} == {}, result.stdout[-5000:]


def test_the_ipv6_suite_gives_the_same_verdicts_one_case_at_a_time(tmp_path, refdut_image):
    """The third order: each IPv6 case alone on the conformant DUT, in a
    campaign of its own (fresh boot, nothing before it), passes as it does
    in the suite (`make order-check` does the same for every suite)."""
    result = subprocess.run(
        ["nice", "-n", str(MATRIX_NICENESS), sys.executable, "-m", "harness", "fault-matrix", "--plan", "isolated",
         "--suite", "ipv6", "--reports", str(tmp_path / "alone")],
        capture_output=True, text=True, cwd=REPO,
    )
    print(result.stdout[-500:])  # the plan's wall time, for the CI log
    matrix = json.loads((tmp_path / "alone" / "fault-matrix.json").read_text())
    verdicts = matrix["profiles"]["conformant"]["verdicts"]
    ipv6_cases = {case for case, module in suite_cases(REPO / "testsuites").items() if module.startswith("ipv6/")}
    assert len(ipv6_cases) >= 45 and set(verdicts) == ipv6_cases, result.stdout[-3000:]
    assert {case: verdict for case, verdict in verdicts.items() if verdict != "passed"} == {}, result.stdout[-5000:]
    assert matrix["mismatches"] == [] and result.returncode == 0


def suite_verdicts(campaign: Path, suite: str) -> dict[str, str]:
    """name -> status of the records of one suite (testsuites/<suite>/)."""
    return {record.name: record.status for nodeid, record in read_records(campaign / "evidence" / "tests").items()
            if nodeid.startswith(f"testsuites/{suite}/")}


def test_nbiot_lab_passes_its_campaign_and_its_nbiot_cases_fail_under_their_faults(tmp_path, refdut_image):
    """The NB-IoT lab (lab_configs/qemu-x86_64-nbiot.yaml) passes its own
    campaign (what it does not declare - identity, label, data - skips): the
    AP-CELL suite passes on the conformant DUT (the attach-retry case, 5 x
    T3410 of 85 s on NB-IoT, is proven on Cat-1 only), and each NB-IoT case
    fails under the module fault that breaks it while its neighbour still
    passes."""
    base = load_lab_config(NBIOT_LAB)
    result, campaign = run_campaign(NBIOT_LAB, tmp_path / "conformant", *OWN_CAMPAIGN)
    verdicts = suite_verdicts(campaign, "cellular")
    assert result.returncode == EXIT_ALL_PASSED, result.stdout[-3000:]
    assert NBIOT_ONLY <= set(verdicts) and set(verdicts.values()) == {"passed"}, verdicts
    assert tshark_disagrees_with_us(campaign) == []
    for profile, target in NBIOT_FAULTS.items():
        config = profile_config(base, profile, tmp_path)
        result, campaign = run_campaign(config, tmp_path / profile, "-k", "test_nbiot")
        verdicts = {name: r["status"] for name, r in statuses(campaign).items()}
        assert verdicts == {case: "failed" if case == target else "passed" for case in NBIOT_ONLY}, result.stdout[-3000:]


def test_results_carry_labels_environment_and_evidence_slices(make_lab_config, tmp_path):
    result, campaign = run_campaign(make_lab_config("conformant"), tmp_path / "reports", "-k", SUBSET)
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
    for res in statuses(campaign).values():
        labels = {(label["name"], label["value"]) for label in res["labels"]}
        assert ("standard", "RFC 4861") in labels or ("standard", "RFC 4862") in labels or ("standard", "RFC 3810") in labels
    # The report's tree reads compliance point > standard > clause, not Python packages.
    tree = json.loads((campaign / "html" / "widgets" / "tree.json").read_text())
    groups = {group["name"] for group in tree["groupsById"].values()}
    assert {"RFC 4862", "RFC 3810", "RFC4862-5.4.2"} <= groups, groups
    assert any(name.startswith("AP-IPV6 ") for name in groups), groups
    assert not {"testsuites", "test_link_up.py"} & groups, groups
    manifest = json.loads((campaign / "manifest.json").read_text())["files"]
    assert len(statuses(campaign)) == 5
    assert "evidence/run-1/link.pcap" in manifest and "evidence/run-1/console.log" in manifest
    assert "evidence/run-1/qemu-filter-dump.pcap" in manifest


def test_a_dut_that_never_boots_is_broken_not_failed(make_lab_config, tmp_path):
    config = make_lab_config("never-boots", profile="no-such-profile")
    result, campaign = run_campaign(config, tmp_path / "reports", "-k", SUBSET)
    results = statuses(campaign)
    assert len(results) == 5
    assert {r["status"] for r in results.values()} == {"broken"}
    assert all("FATAL unknown fault profile" in r["statusDetails"]["message"] for r in results.values())
    assert result.returncode == EXIT_BROKEN


HALF_DONE_RESTART = (
    "if [ -e /tmp/restarted-once ]; then ip link set eth0 down; ip link set eth0 up; "
    "else touch /tmp/restarted-once; ip link set eth0 down; false; fi"
)


def test_a_declared_command_that_fails_half_done_breaks_its_test_and_the_dut_is_rebooted(make_lab_config, tmp_path):
    """link_restart takes the link down and fails: that test is broken, and
    the next one (which does not restart the link) runs on a fresh boot
    instead of failing on a dead link."""
    base = load_lab_config(make_lab_config("half-done"))
    commands = base.declaration.commands.model_copy(update={"link_restart": HALF_DONE_RESTART})
    config = write_lab_config(
        base.model_copy(update={"declaration": base.declaration.model_copy(update={"commands": commands})}), tmp_path / "lab.yaml"
    )
    result, campaign = run_campaign(
        config, tmp_path / "reports", "-k", "test_dad_probe_for_link_local_address or test_echo_reply_on_link_local_address"
    )
    results = statuses(campaign)
    assert results["test_dad_probe_for_link_local_address"]["status"] == "broken", result.stdout[-3000:]
    assert "CommandFailed" in results["test_dad_probe_for_link_local_address"]["statusDetails"]["message"]
    assert results["test_echo_reply_on_link_local_address"]["status"] == "passed", results["test_echo_reply_on_link_local_address"]
    assert (campaign / "evidence" / "run-2").is_dir(), "the DUT was booted again"


SM2_LAB = REPO / "lab_configs" / "qemu-x86_64-sm2.yaml"
SM2_KEY_CASE = "test_identity_key_is_the_declared_type"


def test_sm2_lab_passes_the_identity_suites_and_an_ed25519_unit_fails_its_key_case(tmp_path, refdut_image):
    """The SM2 lab (lab_configs/qemu-x86_64-sm2.yaml: did:bid zf..., SM2
    signatures with SM3, BIF's native resolver shape) passes its own
    campaign: AP-DID and AP-OOOC pass (the IMEI case skips: no module), what
    it does not declare skips; a unit that made an Ed25519 key instead fails
    the key-type case only."""
    base = load_lab_config(SM2_LAB)
    result, campaign = run_campaign(SM2_LAB, tmp_path / "conformant", *OWN_CAMPAIGN)
    verdicts = suite_verdicts(campaign, "identity")
    assert result.returncode == EXIT_ALL_PASSED, result.stdout[-3000:]
    assert verdicts.pop("test_console_imei_is_the_module_imei_and_the_nas_imeisv") == "skipped"
    assert len(verdicts) == 21 and set(verdicts.values()) == {"passed"}, verdicts
    device_did = json.loads(next((campaign / "evidence").glob("run-1/device-info.json")).read_text())["did"]
    assert device_did.startswith("did:bid:zf"), device_did
    config = profile_config(base, "did-keytype-mismatch", tmp_path)
    result, campaign = run_campaign(config, tmp_path / "mismatch", "-k", "test_did")
    verdicts = {name: r["status"] for name, r in statuses(campaign).items()}
    assert verdicts[SM2_KEY_CASE] == "failed" and {s for n, s in verdicts.items() if n != SM2_KEY_CASE} == {"passed"}, verdicts


def test_without_its_module_the_emulated_dut_skips_only_the_imei_and_still_fails_a_mismatch(tmp_path, refdut_image):
    """The default lab without its cellular section: the QEMU DUT boots with
    no module, so it has no IMEI to print or publish. The traceability cases
    judge the other identifiers and skip, naming the IMEI they left out; a
    handle that differs from the declared one still fails."""
    base = load_lab_config(REPO / "lab_configs" / "qemu-x86_64.yaml").model_copy(update={"cellular": None})
    result, campaign = run_campaign(write_lab_config(base, tmp_path / "no-module.yaml"), tmp_path / "conformant",
                                    "-k", "traceability")
    outcomes = statuses(campaign)
    assert result.returncode == EXIT_ALL_PASSED, result.stdout[-3000:]
    skipped = {name: r["statusDetails"]["message"] for name, r in outcomes.items() if r["status"] == "skipped"}
    assert set(skipped) == {"test_console_identifiers_are_the_declared_ones", "test_did_document_names_every_identifier",
                            "test_console_imei_is_the_module_imei_and_the_nas_imeisv"}, outcomes.keys()
    assert "urn:gsma:imei:" in skipped["test_console_identifiers_are_the_declared_ones"]
    assert {r["status"] for name, r in outcomes.items() if name not in skipped} == {"passed"}
    config = profile_config(base, "ooc-console-mismatch", tmp_path)
    _, campaign = run_campaign(config, tmp_path / "mismatch", "-k", "test_console_identifiers_are_the_declared_ones")
    outcome = statuses(campaign)["test_console_identifiers_are_the_declared_ones"]
    assert outcome["status"] == "failed" and "handle" in outcome["statusDetails"]["message"], outcome


def test_a_must_declared_away_is_judged_and_fails_where_the_unit_lacks_it(tmp_path, refdut_image):
    """RFC 8504 makes MLDv2 a MUST: a unit that leaves `mldv2` out of its
    declaration and sends MLDv1 fails the MLDv2 case (it used to be skipped);
    an optional feature left out (DHCPv6) still makes its cases not applicable."""
    base = load_lab_config(REPO / "lab_configs" / "qemu-x86_64.yaml")
    declaration = base.declaration.model_copy(update={"features": ["ipv6", "slaac", "rdnss", "cat1"]})
    undeclared = base.model_copy(update={"declaration": declaration})
    config = profile_config(undeclared, "mldv1", tmp_path)
    _, campaign = run_campaign(config, tmp_path / "mldv1", "-k",
                               "test_mldv2_report_after_link_up or test_other_flag_alone_starts_an_information_request")
    outcomes = statuses(campaign)
    mld = outcomes["test_mldv2_report_after_link_up"]
    assert mld["status"] == "failed" and "MLDv1 report" in mld["statusDetails"]["message"], mld
    dhcp = outcomes["test_other_flag_alone_starts_an_information_request"]
    assert dhcp["status"] == "skipped" and "'dhcpv6'" in dhcp["statusDetails"]["message"], dhcp
