"""The requirement catalogue: compliance points and the clauses that make
them testable. It lives beside the suites it belongs to, as
SUITES/requirements.yaml (this project's: testsuites/requirements.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import ConfigError

CATALOGUE_NAME = "requirements.yaml"


class Clause(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    standard: str
    section: str
    title: str
    # Why a unit may go without it (a SHOULD, a kind of unit): judged where
    # the unit declares it. None: mandatory, on the point's basis.
    optional: str | None = None


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    mandatory_basis: str  # what makes the point's clauses binding on every unit (the source of the MUSTs)
    clauses: dict[str, Clause]


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    points: dict[str, Point]

    def unknown(self, point: str, clauses: tuple[str, ...]) -> list[str]:
        """What a requirement marker names that the catalogue does not hold."""
        if point not in self.points:
            return [f"compliance point {point!r}"]
        return [f"clause {clause!r} of {point}" for clause in clauses if clause not in self.points[point].clauses]

    def clause_ids(self) -> set[str]:
        """Every clause id under any point (a clause listed under two points once)."""
        return {clause for point in self.points.values() for clause in point.clauses}

    def point_of(self, clause_id: str) -> str | None:
        """The compliance point whose clauses hold this id."""
        return next((point_id for point_id, point in self.points.items() if clause_id in point.clauses), None)


def load_catalogue(path: Path) -> Catalogue:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Catalogue.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), [(None, "", f"cannot read the requirement catalogue: {exc}")]) from None
    except ValidationError as exc:
        problems = [(None, ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors(include_url=False)]
        raise ConfigError(str(path), problems) from None
