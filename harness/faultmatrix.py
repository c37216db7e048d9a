"""Run the suite under every fault profile of the reference DUT and compare
with fixtures/refdut/fault-matrix.yaml: each profile must fail exactly the
cases it targets and pass the rest. Writes the profile x case -> verdict
matrix as JSON and HTML."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

import yaml

from harness.evidence.records import read_records

REPO = Path(__file__).resolve().parent.parent
EXPECTATIONS = REPO / "fixtures" / "refdut" / "fault-matrix.yaml"
BASE_CONFIG = REPO / "lab_configs" / "qemu-x86_64.yaml"
PROFILE_ARGUMENT = "refdut.profile=conformant"
SLOW_TEST = "test_incomplete_reassembly_times_out_with_time_exceeded"


@dataclass(frozen=True)
class ProfileRun:
    profile: str
    verdicts: dict[str, str]  # case -> verdict
    messages: dict[str, str]  # case -> failure message, for cases that did not pass
    targets: frozenset[str]
    campaign: str
    exit_status: int

    def mismatches(self) -> list[str]:
        out = []
        for case, verdict in sorted(self.verdicts.items()):
            expected = "failed" if case in self.targets else "passed"
            if verdict != expected:
                out.append(f"{self.profile}: {case} expected {expected}, got {verdict}")
        return out


def load_expectations(path: Path = EXPECTATIONS) -> dict[str, list[str] | str]:
    return yaml.safe_load(path.read_text())["profiles"]


def profile_config(profile: str, folder: Path) -> Path:
    """The default lab config with this profile on the kernel command line and
    absolute paths, so it can live anywhere."""
    text = BASE_CONFIG.read_text().replace("../build/refdut", str(REPO / "build" / "refdut"))
    if PROFILE_ARGUMENT not in text:
        raise ValueError(f"{BASE_CONFIG} no longer selects the profile with {PROFILE_ARGUMENT}")
    path = folder / f"{profile}.yaml"
    path.write_text(text.replace(PROFILE_ARGUMENT, f"refdut.profile={profile}").replace("name: ci-qemu", f"name: fault-{profile}"))
    return path


def run_profile(profile: str, targets: list[str] | str, reports: Path, configs: Path, with_slow: bool) -> ProfileRun:
    """One campaign. The 60 s reassembly case runs only where it is expected
    to matter (the conformant profile and the profiles that target it)."""
    selected = targets == "all" or with_slow or (isinstance(targets, list) and SLOW_TEST in targets) or profile == "conformant"
    extra = [] if selected else ["--", "-m", "not slow"]
    result = subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(profile_config(profile, configs)),
         "--reports", str(reports / profile), *extra],
        cwd=REPO, capture_output=True, text=True,
    )
    root = (reports / profile / "latest").resolve()
    records = read_records(root / "evidence" / "tests")
    verdicts = {record.name: record.status for record in records.values()}
    messages = {record.name: record.message for record in records.values() if record.status != "passed"}
    all_cases = set(verdicts) if targets == "all" else set(targets)
    return ProfileRun(profile, verdicts, messages, frozenset(all_cases), root.name, result.returncode)


def run_matrix(reports: Path, parallel: int = 4, profiles: list[str] | None = None, with_slow: bool = False) -> list[ProfileRun]:
    expectations = load_expectations()
    chosen = profiles or list(expectations)
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fault-configs-") as configs, ThreadPoolExecutor(parallel) as pool:
        futures = [pool.submit(run_profile, p, expectations[p], reports, Path(configs), with_slow) for p in chosen]
        runs = [future.result() for future in futures]
    write_matrix(reports, runs)
    return runs


def write_matrix(reports: Path, runs: list[ProfileRun]) -> None:
    cases = sorted({case for run in runs for case in run.verdicts})
    matrix = {
        "profiles": {
            run.profile: {
                "campaign": run.campaign, "targets": sorted(run.targets), "verdicts": run.verdicts, "messages": run.messages,
            }
            for run in runs
        },
        "mismatches": [m for run in runs for m in run.mismatches()],
    }
    (reports / "fault-matrix.json").write_text(json.dumps(matrix, indent=2) + "\n")
    head = "".join(f"<th>{escape(run.profile)}</th>" for run in runs)
    rows = []
    for case in cases:
        cells = []
        for run in runs:
            verdict = run.verdicts.get(case, "-")
            mark = " (targeted)" if case in run.targets else ""
            cells.append(f'<td class="{escape(verdict)}">{escape(verdict)}{mark}</td>')
        rows.append(f"<tr><th>{escape(case)}</th>{''.join(cells)}</tr>")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Fault-detection matrix</title><style>"
        "body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 4px;font-size:12px}"
        ".passed{background:#dff3df}.failed{background:#f8d7d7}.broken{background:#fbe7c6}</style></head><body>"
        f"<h1>Fault-detection matrix</h1><p>Mismatches: {len(matrix['mismatches'])}</p>"
        f"<table><tr><th>case</th>{head}</tr>{''.join(rows)}</table></body></html>\n"
    )
    (reports / "fault-matrix.html").write_text(page)


def main(reports: Path, parallel: int, profiles: list[str] | None, with_slow: bool) -> int:
    runs = run_matrix(reports, parallel, profiles, with_slow)
    mismatches = [m for run in runs for m in run.mismatches()]
    for line in mismatches:
        print(line)
    cases = len({case for run in runs for case in run.verdicts})
    print(f"fault matrix: {len(runs)} profiles x {cases} cases, {len(mismatches)} mismatches -> {reports / 'fault-matrix.html'}")
    return 1 if mismatches else 0
