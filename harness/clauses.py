"""Clause ids have one spelling: the catalogue's (testsuites/requirements.yaml),
such as `RFC4862-5.4.2`. Verdicts name clauses by id; people read the label
the catalogue gives it ("RFC 4862 5.4.2")."""

from __future__ import annotations

from functools import lru_cache

from harness.errors import HarnessError
from harness.evidence.catalogue import Catalogue, load_catalogue


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return load_catalogue()


def require_clause(clause_id: str) -> str:
    """The id itself, if the catalogue holds it; a misspelt id is a harness bug."""
    if catalogue().point_of(clause_id) is None:
        raise HarnessError(f"clause id {clause_id!r} is not in the requirement catalogue")
    return clause_id


def clause_label(clause_id: str) -> str:
    point = catalogue().point_of(require_clause(clause_id))
    clause = catalogue().points[point].clauses[clause_id]
    return f"{clause.standard} {clause.section}"
