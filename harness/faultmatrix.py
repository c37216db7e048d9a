"""Run the suites under the reference DUT's fault profiles and compare with
fixtures/refdut/fault-matrix.yaml: a profile must fail the cases it targets
and pass the rest. Which cases run under which profile is a plan
(faultplan.py): "ci" proves every case both ways, "full" is the whole
cross-product. Writes the profile x case -> verdict matrix as JSON and HTML.

Campaigns overlap: the guests are idle most of the time, waiting on protocol
timers. Boots are not: a campaign starts only while fewer guests than cores
are booting (each DUT says when it has booted, on HARNESS_NOTIFY_SOCKET)."""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

import yaml

from harness.config import LabConfig, load_lab_config, write_lab_config
from harness.evidence.records import read_records
from harness.faultplan import (
    CONFORMANT, SLOW_TESTS, ProfilePlan, Shard, ci_plan, full_plan, isolated_plan, plan_key, share, suite_cases, uncovered,
    within_cases,
)
from harness.process import NOTIFY_SOCKET_ENV, die_with_parent

REPO = Path(__file__).resolve().parent.parent
SUITES = REPO / "testsuites"
EXPECTATIONS = REPO / "fixtures" / "refdut" / "fault-matrix.yaml"
BASE_CONFIG = REPO / "lab_configs" / "qemu-x86_64.yaml"
PROFILE_PATTERN = re.compile(r"refdut\.profile=\S+")
MODULE_PROFILE_PREFIX = "module-"
# Lab allowance for a campaign's start (interpreter, imports) before its boot.
CAMPAIGN_START_ALLOWANCE_S = 60.0
PLANS = {"ci": ci_plan, "full": full_plan, "isolated": isolated_plan}


@dataclass(frozen=True)
class ProfileRun:
    profile: str
    verdicts: dict[str, str]  # case -> verdict
    messages: dict[str, str]  # case -> failure message, for cases that did not pass
    planned: frozenset[str]  # the cases that had to run
    targets: frozenset[str]  # the cases that had to fail
    campaigns: tuple[str, ...]  # one per part of the profile's cases
    exit_status: int  # the worst of its campaigns'
    seconds: float  # the campaigns' wall time, added up

    def mismatches(self, not_applicable: frozenset[str] = frozenset()) -> list[str]:
        out = [f"{self.profile}: {case} expected a verdict, got none" for case in sorted(self.planned - set(self.verdicts))]
        for case, verdict in sorted(self.verdicts.items()):
            if case in not_applicable and verdict == "skipped":
                continue
            expected = "failed" if case in self.targets else "passed"
            if verdict != expected:
                why = self.messages.get(case, "").splitlines()[:1]
                out.append(f"{self.profile}: {case} expected {expected}, got {verdict}" + "".join(f" ({line[:300]})" for line in why))
        return out


def merged(runs: list[ProfileRun]) -> list[ProfileRun]:
    """One run per profile: the parts of a profile's cases put together."""
    by_profile: dict[str, ProfileRun] = {}
    for run in sorted(runs, key=lambda run: run.campaigns):
        seen = by_profile.get(run.profile)
        by_profile[run.profile] = run if seen is None else ProfileRun(
            run.profile, {**seen.verdicts, **run.verdicts}, {**seen.messages, **run.messages},
            seen.planned | run.planned, seen.targets | run.targets, seen.campaigns + run.campaigns,
            max(seen.exit_status, run.exit_status), seen.seconds + run.seconds,
        )
    return [by_profile[profile] for profile in sorted(by_profile)]


def load_expectations(path: Path = EXPECTATIONS) -> dict[str, list[str] | str]:
    """Profile -> the cases it must fail; a tolerated profile fails none."""
    document = yaml.safe_load(path.read_text())
    return {**document["profiles"], **{profile: [] for profile in document.get("tolerated", {})}}


def load_tolerated(path: Path = EXPECTATIONS) -> dict[str, list[str]]:
    """Profile -> the cases it must still pass: behaviour the RFCs allow."""
    return yaml.safe_load(path.read_text()).get("tolerated", {})


def with_profile(base: LabConfig, profile: str) -> LabConfig:
    """The reference DUT's config with this fault profile: a firmware profile
    goes on the kernel command line; "module-FAULT" is a knob of the emulated
    cellular module (fixtures/cellular/ue.py), with the conformant firmware."""
    dut = base.dut
    if not PROFILE_PATTERN.search(getattr(dut, "kernel_args", "")):
        raise ValueError(f"{base.lab.name}: the DUT does not select a profile with refdut.profile=NAME")
    update = {}
    if profile.startswith(MODULE_PROFILE_PREFIX):
        cellular = base.cellular
        if cellular is None or not cellular.emulated:
            raise ValueError(f"{base.lab.name}: profile {profile} needs an emulated cellular module")
        update["cellular"] = cellular.model_copy(update={"module_faults": [profile[len(MODULE_PROFILE_PREFIX):]]})
        profile = CONFORMANT
    update["dut"] = dut.model_copy(update={"kernel_args": PROFILE_PATTERN.sub(f"refdut.profile={profile}", dut.kernel_args)})
    return base.model_copy(update=update)


def profile_config(base: LabConfig, profile: str, folder: Path) -> Path:
    """The profile's config, named after it, written where it can live anywhere
    (paths are absolute once loaded)."""
    variant = with_profile(base, profile)
    variant = variant.model_copy(update={"lab": base.lab.model_copy(update={"name": f"fault-{profile}"})})
    return write_lab_config(variant, folder / f"{profile}.yaml")


class BootGate:
    """Lets one campaign per core boot at a time (a TCG boot keeps one core
    busy): a place is held from launch until its DUT says it booted, the
    campaign ends, or the boot allowance runs out."""

    def __init__(self, allowance_s: float, places: int = os.cpu_count() or 1):
        self._lock = threading.BoundedSemaphore(places)
        self._allowance_s = allowance_s

    def launch(self, command: list[str], notify_dir: Path) -> subprocess.Popen[str]:
        """Start a campaign (output kept for its exit); return once it booted or ended."""
        with self._lock, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            address = notify_dir / f"{threading.get_ident()}.sock"
            address.unlink(missing_ok=True)
            notify.bind(str(address))
            process = subprocess.Popen(
                command, cwd=REPO, env={**os.environ, NOTIFY_SOCKET_ENV: str(address)}, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, preexec_fn=die_with_parent,
            )
            exited = os.pidfd_open(process.pid)  # readable once the campaign has ended
            try:
                select.select([notify, exited], [], [], self._allowance_s)  # booted, ended, or out of time
            finally:
                os.close(exited)
                address.unlink(missing_ok=True)
            return process


# The verdict a parametrized case gets from its instances: the worst of them.
VERDICT_RANK = {"passed": 0, "skipped": 1, "failed": 2, "broken": 3}


def case_verdicts(records) -> tuple[dict[str, str], dict[str, str]]:
    """case -> verdict and case -> messages of the instances that did not pass;
    the fault matrix names cases by function (test_x[3] counts as test_x)."""
    verdicts: dict[str, str] = {}
    messages: dict[str, str] = {}
    for record in records:
        case = record.name.split("[", 1)[0]
        if VERDICT_RANK.get(record.status, 3) >= VERDICT_RANK.get(verdicts.get(case, "passed"), 0):
            verdicts[case] = record.status
        if record.status != "passed":
            messages[case] = "\n".join(filter(None, (messages.get(case), f"{record.name}: {record.message}")))
    return verdicts, messages


def not_applicable(runs: list["ProfileRun"]) -> frozenset[str]:
    """Cases the conformant run skipped: the lab's declaration rules them out
    (an NB-IoT case on a Cat-1 terminal); they are proven on a lab they apply to."""
    conformant = next((run.verdicts for run in runs if run.profile == CONFORMANT), {})
    return frozenset(case for case, verdict in conformant.items() if verdict == "skipped")


def run_profile(
    plan: ProfilePlan, base: LabConfig, reports: Path, work: Path, gate: BootGate, with_slow: bool, case_order: str
) -> ProfileRun:
    if plan.cases is None:
        runs_slow = with_slow or plan.profile == "conformant" or bool(SLOW_TESTS & plan.must_fail)
        selection = [] if runs_slow else ["-m", "not slow"]
    else:
        selection = ["-k", " or ".join(sorted(plan.cases))]
    # The conformant run is the baseline in collection order; the faults run
    # in the matrix's order, and their verdicts must not depend on it.
    if plan.profile != CONFORMANT and case_order != "collection":
        selection += ["--case-order", case_order]
    folder = reports / plan.profile / plan.part if plan.part else reports / plan.profile
    configs = work / "configs" / plan.part  # one file per campaign: parts of a profile run at once
    configs.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "harness", "campaign", "--lab-config", str(profile_config(base, plan.profile, configs)),
        "--reports", str(folder), "--no-html", "--", *selection,  # the matrix reads the records, not the report
    ]
    started = time.monotonic()
    process = gate.launch(command, work)
    process.communicate()  # its output only matters when its records say something is wrong
    root = (folder / "latest").resolve()
    verdicts, messages = case_verdicts(read_records(root / "evidence" / "tests").values())
    planned = plan.cases if plan.cases is not None else frozenset(verdicts)
    return ProfileRun(
        plan.profile, verdicts, messages, frozenset(planned), plan.must_fail, ((folder.relative_to(reports) / root.name).as_posix(),),
        process.returncode, time.monotonic() - started,
    )


def run_matrix(
    reports: Path, plan_name: str = "ci", parallel: int = 6, profiles: list[str] | None = None, with_slow: bool = False,
    case_order: str = "collection", suites: list[str] | None = None, shard: Shard | None = None,
) -> list[ProfileRun]:
    started = time.monotonic()
    expectations = load_expectations()
    cases = {case: module for case, module in suite_cases(SUITES).items()
             if not suites or module.split("/")[0] in suites}
    plans = [p for p in PLANS[plan_name](expectations, cases, load_tolerated()) if not profiles or p.profile in profiles]
    if suites:
        plans = [p for p in (within_cases(plan, frozenset(cases)) for plan in plans) if p.cases]
    whole = sorted(plan_key(plan) for plan in plans)
    if shard is not None:
        plans = share(plans, shard, len(cases))
    base = load_lab_config(BASE_CONFIG)
    gate = BootGate(CAMPAIGN_START_ALLOWANCE_S + base.dut.boot_timeout_s)
    reports.mkdir(parents=True, exist_ok=True)
    # Longest first: the conformant and broad profiles bound the wall time.
    plans.sort(key=lambda p: -(len(p.cases) if p.cases is not None else 10**6))
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as work, ThreadPoolExecutor(parallel) as pool:
        futures = [pool.submit(run_profile, p, base, reports, Path(work), gate, with_slow, case_order) for p in plans]
        runs = merged([future.result() for future in futures])
    sharding = None if shard is None else {"shard": str(shard), "campaigns": sorted(plan_key(p) for p in plans), "plan": whole}
    write_matrix(reports, plan_name, case_order, runs, uncovered(expectations, cases), sharding, time.monotonic() - started)
    return runs


def proofs(runs: list[ProfileRun]) -> dict[str, dict[str, str | None]]:
    """case -> the profile it failed under (as targeted) and whether it passed on the conformant DUT."""
    cases = sorted({case for run in runs for case in run.verdicts})
    conformant = next((run.verdicts for run in runs if run.profile == "conformant"), {})
    out: dict[str, dict[str, str | None]] = {}
    for case in sorted(set(cases) - not_applicable(runs)):
        failing = [run.profile for run in runs if case in run.targets and run.verdicts.get(case) == "failed"]
        out[case] = {"passes_conformant": conformant.get(case), "fails_under": failing[0] if failing else None}
    return out


def write_matrix(reports: Path, plan_name: str, case_order: str, runs: list[ProfileRun], not_targeted: list[str],
                 sharding: dict | None = None, wall_s: float = 0.0) -> None:
    """fault-matrix.json (with what `merge` needs to put shards together: each
    profile's exit status, and which of the plan's campaigns this shard ran)
    and fault-matrix.html."""
    cases = sorted({case for run in runs for case in run.verdicts})
    skipped_by_the_lab = not_applicable(runs)
    matrix = {
        "plan": plan_name,
        "case_order": {"conformant": "collection", "faults": case_order},
        "wall_s": round(wall_s, 1),
        "profiles": {
            run.profile: {
                "campaigns": list(run.campaigns), "seconds": round(run.seconds, 1), "planned": sorted(run.planned), "targets": sorted(run.targets),
                "verdicts": run.verdicts, "messages": run.messages, "exit_status": run.exit_status,
            }
            for run in runs
        },
        "proofs": proofs(runs),
        "not_targeted": not_targeted,
        "not_applicable": sorted(skipped_by_the_lab),
        "mismatches": [m for run in runs for m in run.mismatches(skipped_by_the_lab)],
    }
    if sharding is not None:
        matrix["sharding"] = sharding
    (reports / "fault-matrix.json").write_text(json.dumps(matrix, indent=2) + "\n")
    head = "".join(f"<th>{escape(run.profile)}</th>" for run in runs)
    rows = []
    for case in cases:
        cells = []
        for run in runs:
            verdict = run.verdicts.get(case, "-")
            mark = " (targeted)" if case in run.targets and case in run.verdicts else ""
            cells.append(f'<td class="{escape(verdict)}">{escape(verdict)}{mark}</td>')
        rows.append(f"<tr><th>{escape(case)}</th>{''.join(cells)}</tr>")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Fault-detection matrix</title><style>"
        "body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 4px;font-size:12px}"
        ".passed{background:#dff3df}.failed{background:#f8d7d7}.broken{background:#fbe7c6}</style></head><body>"
        f"<h1>Fault-detection matrix ({escape(plan_name)} plan)</h1><p>Mismatches: {len(matrix['mismatches'])}; "
        f"cases no profile targets: {len(not_targeted)}</p>"
        f"<table><tr><th>case</th>{head}</tr>{''.join(rows)}</table></body></html>\n"
    )
    (reports / "fault-matrix.html").write_text(page)


def main(reports: Path, plan_name: str, parallel: int, profiles: list[str] | None, with_slow: bool, case_order: str,
         suites: list[str] | None = None, shard: Shard | None = None) -> int:
    started = time.monotonic()
    runs = run_matrix(reports, plan_name, parallel, profiles, with_slow, case_order, suites, shard)
    status = summarise(reports, plan_name, case_order, runs, time.monotonic() - started)
    if shard is not None:
        # A shard lacks the others' baseline (which cases the lab rules out): the merge decides.
        print(f"shard {shard}: mismatches above are provisional; 'fault-matrix-merge' gives the verdict")
        return 0
    return status


def summarise(reports: Path, plan_name: str, case_order: str, runs: list[ProfileRun], seconds: float) -> int:
    mismatches = [m for run in runs for m in run.mismatches(not_applicable(runs))]
    for line in mismatches:
        print(line)
    cases = len({case for run in runs for case in run.verdicts})
    executed = sum(len(run.verdicts) for run in runs)
    print(
        f"fault matrix ({plan_name} plan, faults in {case_order} order): {len(runs)} profiles, {cases} cases, {executed} case runs, "
        f"{len(mismatches)} mismatches in {seconds:.0f} s -> {reports / 'fault-matrix.html'}"
    )
    return 1 if mismatches else 0
