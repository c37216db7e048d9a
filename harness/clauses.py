"""Clause ids have one spelling: the catalogue's, such as `RFC4862-5.4.2`.
Verdicts name clauses by id; people read the label the catalogue gives it
("RFC 4862 5.4.2"). The catalogue is the suites' (the plugin says which);
by default testsuites/requirements.yaml in the working directory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from harness.errors import HarnessError
from harness.evidence.catalogue import CATALOGUE_NAME, Catalogue, load_catalogue

_path = Path("testsuites") / CATALOGUE_NAME


def use_catalogue(path: Path) -> None:
    global _path
    _path = path
    catalogue.cache_clear()


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return load_catalogue(_path)


def require_clause(clause_id: str) -> str:
    """The id itself, if the catalogue holds it; a misspelt id is a harness bug."""
    if catalogue().point_of(clause_id) is None:
        raise HarnessError(f"clause id {clause_id!r} is not in the requirement catalogue")
    return clause_id


def clause_label(clause_id: str) -> str:
    point = catalogue().point_of(require_clause(clause_id))
    clause = catalogue().points[point].clauses[clause_id]
    return f"{clause.standard} {clause.section}"
