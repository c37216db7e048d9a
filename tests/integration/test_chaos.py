"""Lab faults never read as product failures. One campaign of every suite
against the conformant DUT (a sample: the first cases of each test module),
with a fault injected into two tests in three
(tests/integration/chaos.py: QEMU killed, console socket closed, link
socket closed, a peer that raises, and - as root, on a tmpfs of its own -
the evidence disk full) and the campaign itself SIGKILLed half-way and
resumed: no test is `failed`; a test hit by a fault is
`broken` naming it (or passed, if it needed nothing the fault took); every
test without a fault passes on the revived DUT; and the bundle holds and
verifies every evidence file. (A fault of the DUT's QEMU does not touch the
emulated module and network: a cellular case that judges only them may
pass through it.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from harness.evidence.records import read_records
from harness.evidence.signing import verify_bundle
from harness.faultplan import SLOW_TESTS, suite_cases
from tests.integration.chaos import FILL_ENV, LOG_ENV, SELECTION_ENV
from tests.integration.test_evidence_bundle import _campaign_root, _wait_for_records, campaign

REPO = Path(__file__).resolve().parents[2]
SELECTION = ["--", "-p", "tests.integration.chaos", "-m", "not slow"]
MIN_FAULTS = 20
KILL_AFTER_RECORDS = 20
NOT_APPLICABLE = ("test_extended_pco_is_used", "test_ue_network_capability_declares_control_plane_ciot")  # NB-IoT only
# Faults that take the resource at once; a raising peer waits for the next frame.
IMMEDIATE_FAULTS = ("kill-qemu", "close-link")
BROKEN_WITHIN_S = 1.0
# What a broken record says, per fault: the cause, named.
CAUSES = {
    "kill-qemu": "QEMU exited",  # seen first on the link (LinkError) or the console (DUT state)
    "close-console": "console",
    "close-link": "died",
    "peer-raises": "chaos: a peer that raises",
    "disk-full": "No space left on device",
}
# The campaign's own small disk, so the disk-full fault fills only it (root: a tmpfs mount).
EVIDENCE_DISK = "size=256m"


def test_injected_lab_faults_are_broken_never_failed_and_the_campaign_recovers(make_lab_config, tmp_path):
    config = make_lab_config("chaos")
    reports = tmp_path / "reports"
    reports.mkdir()
    log = tmp_path / "chaos.jsonl"
    env = {**os.environ, LOG_ENV: str(log), SELECTION_ENV: str(tmp_path / "selection.txt")}
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", EVIDENCE_DISK, "tmpfs", str(reports)], check=True)
        env[FILL_ENV] = str(reports / "filler")
    try:
        _chaos_campaign(config, reports, log, env)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "--lazy", str(reports)], check=True)


def _chaos_campaign(config: Path, reports: Path, log: Path, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(reports), *SELECTION],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        root = _campaign_root(reports, process)
        _wait_for_records(root / "evidence" / "tests", KILL_AFTER_RECORDS, process)
        os.killpg(process.pid, signal.SIGKILL)  # one more fault: the campaign process itself
    finally:
        process.wait(30)
    resumed = campaign("--lab-config", str(config), "--reports", str(reports), "--resume", str(root), *SELECTION, env=env)

    injected = [json.loads(line) for line in log.read_text().splitlines()]
    faulted = {entry["test"]: entry["fault"] for entry in injected}
    records = read_records(root / "evidence" / "tests")
    sample = Path(env[SELECTION_ENV]).read_text(encoding="utf-8").splitlines()  # ids hold spaces
    statuses = {nodeid: record.status for nodeid, record in records.items()}
    print(f"{len(injected)} faults injected + 1 campaign SIGKILL; verdicts: "
          f"{ {s: list(statuses.values()).count(s) for s in set(statuses.values())} }")
    assert len(injected) + 1 >= MIN_FAULTS
    failed = {nodeid: (faulted.get(nodeid), record.message) for nodeid, record in records.items() if record.status == "failed"}
    assert failed == {}, "a lab fault read as a product failure (test: (fault injected, message))"
    assert sorted(records) == sorted(sample), "every sampled case has exactly one verdict after the resume"
    modules = {module for case, module in suite_cases(REPO / "testsuites").items() if case not in SLOW_TESTS}
    sampled = {nodeid.split("::")[0] for nodeid in sample}
    assert all(any(path.endswith(module) for path in sampled) for module in modules), "the sample spans every test module"
    for nodeid, record in records.items():
        if nodeid.endswith(NOT_APPLICABLE):
            assert record.status == "skipped", (nodeid, record.status)
        elif nodeid not in faulted:
            assert record.status == "passed", f"{nodeid} had no fault but is {record.status}: {record.message}"
        elif record.status == "broken":
            assert CAUSES[faulted[nodeid]] in record.message, (nodeid, faulted[nodeid], record.message)
    delays = {e["test"]: (e["fault"], e["ended"] - e["time"]) for e in injected
              if e["fault"] in IMMEDIATE_FAULTS and statuses[e["test"]] == "broken"}
    print(f"fault to end of the test body: max {max(d for _, d in delays.values()):.2f} s over {len(delays)} immediate faults")
    late = {test: (fault, round(delay, 2), records[test].message[:200]) for test, (fault, delay) in delays.items()
            if delay >= BROKEN_WITHIN_S}
    assert late == {}, "a test hit by a dead resource ends at once, not at its timeout"
    broken = [nodeid for nodeid, status in statuses.items() if status == "broken"]
    assert len(broken) >= MIN_FAULTS / 2, "most faults must land while the test still needs the DUT"
    assert resumed.returncode == 2, resumed.stdout + resumed.stderr  # broken tests make the campaign a lab failure
    assert verify_bundle(root).ok
    manifest = json.loads((root / "manifest.json").read_text())["files"]
    for record in records.values():  # every evidence file written before or after a fault is kept and listed
        for evidence in record.evidence:
            assert (root / evidence).is_file() and evidence in manifest, evidence
    assert len(list((root / "evidence").glob("run-*"))) > MIN_FAULTS / 2, "each revival boots into a run folder of its own"

