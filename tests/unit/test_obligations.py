"""Mandatory versus declared: the catalogue marks the clauses a unit may go
without; a declaration can skip only those, and the summary shows the unit's
profile - mandatory clauses met, optional ones judged and met."""

from __future__ import annotations

import ast
from pathlib import Path

from harness.evidence.catalogue import load_catalogue
from harness.evidence.records import VerdictRecord
from harness.evidence.traceability import build_matrix, unit_profile
from harness.features import MANDATORY_FEATURES, OPTIONAL_FEATURES

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(REPO / "testsuites" / "requirements.yaml")


def _marker_args(decorators, name: str) -> list[list[str]]:
    return [[a.value for a in d.args] for d in decorators
            if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == name]


def cases_with_features() -> dict[str, tuple[set[str], list[str]]]:
    """case -> (the features it needs, its module's included; the clauses it marks)."""
    found = {}
    for path in sorted((REPO / "testsuites").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_features = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
                calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
                module_features |= {args[0] for args in _marker_args(calls, "needs_feature")}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                features = module_features | {args[0] for args in _marker_args(node.decorator_list, "needs_feature")}
                clauses = [c for args in _marker_args(node.decorator_list, "requirement") for c in args[1:]]
                found[node.name] = (features, clauses)
    return found


def clause(clause_id: str):
    return next(p.clauses[clause_id] for p in CATALOGUE.points.values() if clause_id in p.clauses)


def test_a_clause_only_declarable_cases_judge_is_marked_optional():
    """Otherwise a unit that declares the feature away would skip a mandatory clause."""
    judged_by: dict[str, list[set[str]]] = {}
    for features, clauses in cases_with_features().values():
        for clause_id in clauses:
            judged_by.setdefault(clause_id, []).append(features & OPTIONAL_FEATURES)
    only_declarable = {c for c, needs in judged_by.items() if all(needs)}
    assert only_declarable, "the suites have optional features (dhcpv6, temporary-addresses)"
    assert {c for c in only_declarable if clause(c).optional is None} == set()


def test_every_point_says_why_its_clauses_are_mandatory_and_mandatory_features_are_not_optional():
    assert all(point.mandatory_basis for point in CATALOGUE.points.values())
    assert not set(MANDATORY_FEATURES) & OPTIONAL_FEATURES
    assert clause("RFC3810-5.2").optional is None  # MLDv2: a MUST of RFC 8504
    assert clause("RFC8415-18.2.1").optional and "SHOULD" in clause("RFC8415-18.2.1").optional


def test_the_unit_profile_counts_mandatory_met_and_optional_judged():
    def record(name, status, clauses):
        return VerdictRecord(f"t::{name}", name, "AP-IPV6", tuple(clauses), status, "", 0.0, 1.0, ())

    records = {r.nodeid: r for r in [
        record("dad", "passed", ["RFC4862-5.4.2"]), record("mld", "failed", ["RFC3810-5.2"]),
        record("solicit", "passed", ["RFC8415-18.2.1"]), record("temporary", "skipped", ["RFC8981-3"]),
    ]}
    ipv6 = next(p for p in build_matrix(CATALOGUE, records) if p.id == "AP-IPV6")
    profile = unit_profile(ipv6)
    optional = sum(1 for c in ipv6.clauses if c.optional)
    assert (profile.mandatory, profile.mandatory_met, profile.mandatory_failed) == (len(ipv6.clauses) - optional, 1, 1)
    assert (profile.optional, profile.optional_judged, profile.optional_met) == (optional, 1, 1)


def test_a_clause_listed_under_two_points_names_one_edition_and_section():
    """One spelling per clause: a label a certification engineer reads must
    not name two editions of one standard."""
    seen: dict[str, tuple[str, str]] = {}
    for point in CATALOGUE.points.values():
        for clause_id, clause in point.clauses.items():
            label = (clause.standard, clause.section)
            assert seen.setdefault(clause_id, label) == label, (clause_id, seen[clause_id], label)
