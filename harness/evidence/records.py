"""One verdict record per finished test, written atomically the moment the
test ends. Records are what the traceability matrix is built from and what
a resumed campaign uses to know what already has a verdict."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.evidence.atomic import write_text_atomically
from harness.findings import Advisory, Measurement

RECORD_NAME = "result.json"
VERDICTS = ("passed", "failed", "broken", "skipped")


@dataclass(frozen=True)
class VerdictRecord:
    nodeid: str
    name: str
    point: str | None
    clauses: tuple[str, ...]  # what the test's requirement marker names
    status: str
    message: str
    started: float
    stopped: float
    evidence: tuple[str, ...] = field(default=())  # paths relative to the campaign folder
    allure_full_name: str = ""
    # A product failure: the clause actually judged (a control's own clause
    # when a control failed), what was expected and what was observed.
    judged_clause: str | None = None
    expected: str | None = None
    observed: str | None = None
    measurements: tuple[Measurement, ...] = field(default=())
    advisories: tuple[Advisory, ...] = field(default=())


def write_record(folder: Path, record: VerdictRecord) -> Path:
    return write_text_atomically(folder / RECORD_NAME, json.dumps(asdict(record), indent=2) + "\n")


def read_records(tests_dir: Path) -> dict[str, VerdictRecord]:
    """Every complete record under evidence/tests; a file that does not parse
    (it cannot be half-written, but may be hand-damaged) counts as absent."""
    records = {}
    for path in sorted(tests_dir.glob(f"*/{RECORD_NAME}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["clauses"] = tuple(data["clauses"])
            data["evidence"] = tuple(data["evidence"])
            data["measurements"] = tuple(Measurement(**m) for m in data.get("measurements", ()))
            data["advisories"] = tuple(Advisory(**a) for a in data.get("advisories", ()))
            record = VerdictRecord(**data)
        except (ValueError, KeyError, TypeError):
            continue
        records[record.nodeid] = record
    return records


def allure_results_by_name(results_dir: Path) -> dict[str, list[Path]]:
    """allure result files by test fullName; files that do not parse are
    left out (allure-pytest does not write them atomically)."""
    by_name: dict[str, list[Path]] = {}
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            name = json.loads(path.read_text(encoding="utf-8"))["fullName"]
        except (ValueError, KeyError, TypeError, OSError):
            continue
        by_name.setdefault(name, []).append(path)
    return by_name


def finished_tests(tests_dir: Path, allure_results_dir: Path | None) -> set[str]:
    """Tests with a verdict: a record and, when allure results are kept, an
    allure result too (a run killed between the two re-runs the test)."""
    records = read_records(tests_dir)
    if allure_results_dir is None:
        return set(records)
    reported = allure_results_by_name(allure_results_dir)
    return {nodeid for nodeid, record in records.items() if record.allure_full_name in reported}
