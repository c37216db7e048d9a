"""Security-label schemes as data, and each scheme's verdict from one
campaign (mutual recognition: one run, evidence for every label). A scheme
file (SUITES/schemes/<id>.yaml) lists the scheme's requirements, each decided
by catalogue clauses - or honestly marked as documentary review, which no
test can decide. A requirement is met when every clause deciding it passed,
not met when one failed (naming the failing tests), not tested otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.config.loader import parse_yaml_model
from harness.errors import ConfigError
from harness.evidence.catalogue import Catalogue
from harness.evidence.traceability import NOT_COVERED, PointRow, combine

SCHEMES_FOLDER = "schemes"
MET, NOT_MET, NOT_TESTED, DOCUMENTARY = "met", "not met", "not tested", "needs documentary review"
MAX_SCHEME_BYTES = 1 << 20

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Requirement(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Text
    decided_by: list[str] = Field(default_factory=list, description="catalogue clause ids whose verdicts decide it")
    documentary: Text | None = Field(default=None, description="why no test decides it: what a reviewer reads instead")

    @model_validator(mode="after")
    def _decided_one_way(self) -> "Requirement":
        if bool(self.decided_by) == (self.documentary is not None):
            raise ValueError("give either decided_by (catalogue clauses) or documentary (why no test decides it)")
        return self


class Scheme(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,60}$")]
    title: Text
    source: Text  # the scheme's text, edition and where it was read
    scope: Text  # what of the scheme the file covers (and what it leaves out)
    requirements: Annotated[list[Requirement], Field(min_length=1)]


def load_scheme(path: Path, known_clauses: set[str]) -> Scheme:
    """One scheme file, bounded like a lab config; a clause id the catalogue
    does not hold, or an id that is not the file's name, is an error naming
    the file, the line and the key."""
    try:
        if path.stat().st_size > MAX_SCHEME_BYTES:
            raise ConfigError(str(path), [(None, "", f"over {MAX_SCHEME_BYTES} bytes: not a scheme file")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [(None, "", f"cannot read the scheme: {exc}")]) from None
    scheme, lines = parse_yaml_model(text, str(path), Scheme)
    problems = [(lines.get(("requirements", r, "decided_by", c)), f"requirements.{r}.decided_by.{c}",
                 f"{clause!r} is not a catalogue clause")
                for r, requirement in enumerate(scheme.requirements)
                for c, clause in enumerate(requirement.decided_by) if clause not in known_clauses]
    if scheme.id != path.stem:
        problems.append((lines.get(("id",)), "id", f"{scheme.id!r}: a scheme's id is its file name ({path.stem!r})"))
    if problems:
        raise ConfigError(str(path), problems)
    return scheme


def load_schemes(folder: Path, catalogue: Catalogue) -> list[Scheme]:
    """Every scheme file in `folder` (none when there is no such folder)."""
    known = catalogue.clause_ids()
    return [load_scheme(path, known) for path in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []


@dataclass(frozen=True)
class RequirementVerdict:
    id: str
    title: str
    status: str  # met / not met / not tested / needs documentary review
    clauses: dict[str, str]  # deciding clause -> its verdict in this campaign
    failing_tests: tuple[str, ...]  # node ids of the tests that failed a deciding clause
    documentary: str | None = None


@dataclass(frozen=True)
class SchemeVerdict:
    id: str
    title: str
    source: str
    scope: str
    headline: str  # not met / incomplete / met
    counts: dict[str, int]  # status -> requirements
    requirements: tuple[RequirementVerdict, ...]


def _clause_verdicts(points: list[PointRow]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """clause -> its verdict over every point that lists it; clause -> failing tests."""
    verdicts: dict[str, list[str]] = {}
    failing: dict[str, set[str]] = {}
    for point in points:
        for clause in point.clauses:
            verdicts.setdefault(clause.id, []).append(clause.verdict)
            failing.setdefault(clause.id, set()).update(t.nodeid for t in clause.tests if t.status == "failed")
    return {clause: combine(found) for clause, found in verdicts.items()}, failing


def judge_requirement(requirement: Requirement, verdicts: dict[str, str], failing: dict[str, set[str]]) -> RequirementVerdict:
    if requirement.documentary is not None:
        return RequirementVerdict(requirement.id, requirement.title, DOCUMENTARY, {}, (), requirement.documentary)
    clauses = {clause: verdicts.get(clause, NOT_COVERED) for clause in requirement.decided_by}
    if "failed" in clauses.values():
        status = NOT_MET
    elif set(clauses.values()) == {"passed"}:
        status = MET
    else:
        status = NOT_TESTED  # not covered, skipped, inconclusive, or broken (the lab failed, not the unit)
    tests = tuple(sorted({nodeid for clause in requirement.decided_by for nodeid in failing.get(clause, ())}))
    return RequirementVerdict(requirement.id, requirement.title, status, clauses, tests if status == NOT_MET else ())


def scheme_verdicts(schemes: list[Scheme], points: list[PointRow]) -> list[SchemeVerdict]:
    verdicts, failing = _clause_verdicts(points)
    out = []
    for scheme in schemes:
        judged = tuple(judge_requirement(r, verdicts, failing) for r in scheme.requirements)
        counts = {status: sum(1 for r in judged if r.status == status) for status in (MET, NOT_MET, NOT_TESTED, DOCUMENTARY)}
        headline = NOT_MET if counts[NOT_MET] else "incomplete" if counts[NOT_TESTED] else MET
        out.append(SchemeVerdict(scheme.id, scheme.title, scheme.source, scheme.scope, headline, counts, judged))
    return out
