"""Traceability matrix: compliance point -> clause -> tests -> verdicts ->
evidence. Built from the catalogue and the per-test records; a clause no test
covers stays in the matrix as "not covered"."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from harness.evidence.catalogue import Catalogue
from harness.evidence.records import VerdictRecord

NOT_COVERED = "not covered"
# A test that failed on another clause (a control, a prerequisite) did not
# judge the clauses of its marker: they are inconclusive, neither passed nor failed.
INCONCLUSIVE = "inconclusive"
# The worst verdict decides a clause: a failure outranks a lab problem, which
# outranks a clause left unjudged, which outranks a pass; skipped tests alone prove nothing.
PRECEDENCE = ("failed", "broken", INCONCLUSIVE, "passed", "skipped")


def combine(verdicts: list[str]) -> str:
    for verdict in PRECEDENCE:
        if verdict in verdicts:
            return verdict
    return NOT_COVERED


@dataclass(frozen=True)
class TestRow:
    nodeid: str
    name: str
    status: str  # the test's verdict as it bears on this clause
    message: str
    evidence: tuple[str, ...]
    verdict: str  # the test's own verdict
    judged_clause: str | None = None


def clause_status(record: VerdictRecord, clause_id: str) -> str | None:
    """What a test says about one clause; None if it says nothing."""
    if record.judged_clause == clause_id:
        return record.status
    if clause_id not in record.clauses:
        return None
    if record.status == "failed" and record.judged_clause is not None:
        return INCONCLUSIVE  # it failed on another clause before judging this one
    return record.status


@dataclass(frozen=True)
class ClauseRow:
    id: str
    standard: str
    section: str
    title: str
    verdict: str
    tests: tuple[TestRow, ...]
    optional: str | None = None  # why a unit may go without it; None: mandatory


@dataclass(frozen=True)
class PointRow:
    id: str
    title: str
    verdict: str
    clauses: tuple[ClauseRow, ...]
    mandatory_basis: str = ""


@dataclass(frozen=True)
class UnitProfile:
    """What a point's verdicts say about the unit: its mandatory clauses met
    (and not), its optional ones judged - declared, or judged anyway - and met."""

    point: str
    mandatory: int
    mandatory_met: int
    mandatory_failed: int
    optional: int
    optional_judged: int
    optional_met: int


def unit_profile(point: PointRow) -> UnitProfile:
    mandatory = [c.verdict for c in point.clauses if c.optional is None]
    optional = [c.verdict for c in point.clauses if c.optional is not None]
    return UnitProfile(
        point.id, len(mandatory), mandatory.count("passed"), mandatory.count("failed"),
        len(optional), sum(1 for v in optional if v in ("passed", "failed")), optional.count("passed"),
    )


def build_matrix(catalogue: Catalogue, records: dict[str, VerdictRecord]) -> list[PointRow]:
    points = []
    for point_id, point in catalogue.points.items():
        clauses = []
        for clause_id, clause in point.clauses.items():
            tests = tuple(
                TestRow(r.nodeid, r.name, status, r.message, r.evidence, r.status, r.judged_clause)
                for r in sorted(records.values(), key=lambda r: r.nodeid)
                if (r.point == point_id or r.judged_clause == clause_id)
                and (status := clause_status(r, clause_id)) is not None
            )
            verdict = combine([t.status for t in tests])
            clauses.append(ClauseRow(clause_id, clause.standard, clause.section, clause.title, verdict, tests, clause.optional))
        covered = [c.verdict for c in clauses if c.verdict != NOT_COVERED]
        points.append(PointRow(point_id, point.title, combine(covered), tuple(clauses), point.mandatory_basis))
    return points


def matrix_json(points: list[PointRow]) -> dict:
    return {"points": [asdict(point) for point in points], "unit_profile": [asdict(unit_profile(p)) for p in points]}
