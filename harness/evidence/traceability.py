"""Traceability matrix: compliance point -> clause -> tests -> verdicts ->
evidence. Built from the catalogue and the per-test records; a clause no test
covers stays in the matrix as "not covered"."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from harness.evidence.catalogue import Catalogue
from harness.evidence.records import VerdictRecord

NOT_COVERED = "not covered"
# The worst verdict decides a clause: a failure outranks a lab problem, which
# outranks a pass; skipped tests alone prove nothing.
PRECEDENCE = ("failed", "broken", "passed", "skipped")


def combine(verdicts: list[str]) -> str:
    for verdict in PRECEDENCE:
        if verdict in verdicts:
            return verdict
    return NOT_COVERED


@dataclass(frozen=True)
class TestRow:
    nodeid: str
    name: str
    status: str
    message: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ClauseRow:
    id: str
    standard: str
    section: str
    title: str
    verdict: str
    tests: tuple[TestRow, ...]


@dataclass(frozen=True)
class PointRow:
    id: str
    title: str
    verdict: str
    clauses: tuple[ClauseRow, ...]


def build_matrix(catalogue: Catalogue, records: dict[str, VerdictRecord]) -> list[PointRow]:
    points = []
    for point_id, point in catalogue.points.items():
        clauses = []
        for clause_id, clause in point.clauses.items():
            tests = tuple(
                TestRow(r.nodeid, r.name, r.status, r.message, r.evidence)
                for r in sorted(records.values(), key=lambda r: r.nodeid)
                if r.point == point_id and clause_id in r.clauses
            )
            verdict = combine([t.status for t in tests])
            clauses.append(ClauseRow(clause_id, clause.standard, clause.section, clause.title, verdict, tests))
        covered = [c.verdict for c in clauses if c.verdict != NOT_COVERED]
        points.append(PointRow(point_id, point.title, combine(covered), tuple(clauses)))
    return points


def matrix_json(points: list[PointRow]) -> dict:
    return {"points": [asdict(point) for point in points]}
