"""One verdict record per finished test, written atomically the moment the
test ends. Records are what the traceability matrix is built from and what
a resumed campaign uses to know what already has a verdict."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.evidence.atomic import write_text_atomically
from harness.observations import Advisory, Measurement

RECORD_NAME = "result.json"
# The allure label that carries the test's pytest node id (parameters
# included): allure-pytest gives every parametrization one fullName.
NODEID_LABEL = "harness.nodeid"
VERDICTS = ("passed", "failed", "broken", "skipped")
# The user property that carries a test's verdict on its teardown report (to the progress lines).
VERDICT_PROPERTY = "harness.verdict"


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
    # A product failure: the clause actually judged (a control's own clause
    # when a control failed), what was expected and what was observed.
    judged_clause: str | None = None
    expected: str | None = None
    observed: str | None = None
    judged_frame: int | None = None  # the frame judged: its number in the run's link.pcap (from 1)
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
            data.pop("allure_full_name", None)  # records before results were matched by node id
            record = VerdictRecord(**data)
        except (ValueError, KeyError, TypeError):
            continue
        records[record.nodeid] = record
    return records


def allure_test_id(result: dict) -> str:
    """The node id an allure result (raw or in a generated report) is for;
    for a result without the harness's label, allure's own history id."""
    for label in result.get("labels") or ():
        if isinstance(label, dict) and label.get("name") == NODEID_LABEL and isinstance(label.get("value"), str):
            return label["value"]
    return f"historyId:{result.get('historyId')}"


def allure_results_by_test(results_dir: Path) -> dict[str, list[Path]]:
    """allure result files by node id; files that do not parse are left out
    (allure-pytest does not write them atomically)."""
    by_test: dict[str, list[Path]] = {}
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            test = allure_test_id(result)
        except (ValueError, TypeError, AttributeError, OSError):
            continue
        by_test.setdefault(test, []).append(path)
    return by_test


def finished_tests(tests_dir: Path, allure_results_dir: Path | None) -> set[str]:
    """Tests with a verdict: a record and, when allure results are kept, an
    allure result too (a run killed between the two re-runs the test)."""
    records = read_records(tests_dir)
    if allure_results_dir is None:
        return set(records)
    reported = allure_results_by_test(allure_results_dir)
    return {nodeid for nodeid in records if nodeid in reported}
