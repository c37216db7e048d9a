"""Security-label schemes as data (testsuites/schemes/): the shipped files
load against the catalogue, a bad file is an error naming file, line and
key, and each requirement's verdict follows from the clauses deciding it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from harness.errors import ConfigError
from harness.evidence.catalogue import load_catalogue
from harness.evidence.records import VerdictRecord
from harness.evidence.schemes import (DOCUMENTARY, MET, NOT_MET, NOT_TESTED, Requirement, Scheme, load_scheme,
                                      load_schemes, scheme_verdicts)
from harness.evidence.traceability import build_matrix
from tests.mutations import HOSTILE, mutated_text, typed

SUITES = Path(__file__).resolve().parents[2] / "testsuites"
CATALOGUE = load_catalogue(SUITES / "requirements.yaml")
KNOWN = CATALOGUE.clause_ids()
SHIPPED = sorted((SUITES / "schemes").glob("*.yaml"))
PSTI = (SUITES / "schemes" / "uk-psti.yaml").read_text()


def record(name: str, status: str, clause: str, point: str = "AP-SECID") -> VerdictRecord:
    return VerdictRecord(f"t::{name}", name, point, (clause,), status, "", 0.0, 1.0, ())


def verdicts(*records: VerdictRecord, schemes=None) -> dict[str, dict]:
    """scheme id -> requirement id -> its verdict, for these test records."""
    judged = scheme_verdicts(schemes or load_schemes(SUITES / "schemes", CATALOGUE),
                             build_matrix(CATALOGUE, {r.nodeid: r for r in records}))
    return {s.id: {r.id: r for r in s.requirements} for s in judged}


def test_the_shipped_schemes_load_and_each_decides_something_by_test():
    schemes = load_schemes(SUITES / "schemes", CATALOGUE)
    assert len(schemes) >= 6 and [s.id for s in schemes] == [p.stem for p in SHIPPED]
    for scheme in schemes:
        assert any(r.decided_by for r in scheme.requirements), scheme.id
        assert len({r.id for r in scheme.requirements}) == len(scheme.requirements), scheme.id


def test_a_default_password_failure_is_not_met_on_every_scheme_it_decides():
    judged = verdicts(record("default_password", "failed", "EN303645-5.1-1"),
                      record("brute_force", "passed", "EN303645-5.1-5"))
    hit = {scheme: [r for r in reqs.values() if "EN303645-5.1-1" in r.clauses] for scheme, reqs in judged.items()}
    assert all(hit.values()), "every shipped scheme has a password requirement"
    for scheme, requirements in hit.items():
        for requirement in requirements:
            assert requirement.status == NOT_MET and requirement.failing_tests == ("t::default_password",), (scheme, requirement)
    assert judged["etsi-en-303-645"]["5.1-5"].status == MET
    assert judged["etsi-en-303-645"]["5.3-1"].status == NOT_TESTED  # no test ran it


def test_a_requirement_is_met_only_when_every_deciding_clause_passed():
    both = verdicts(record("update", "passed", "EN303645-5.3-1"), record("signed", "passed", "EN303645-5.3-10"))
    one = verdicts(record("update", "passed", "EN303645-5.3-1"))
    broken = verdicts(record("update", "passed", "EN303645-5.3-1"), record("signed", "broken", "EN303645-5.3-10"))
    assert both["singapore-cls"]["L1 updates"].status == MET
    assert one["singapore-cls"]["L1 updates"].status == NOT_TESTED
    # The lab failed, not the unit: not tested, and no failing test named.
    assert broken["singapore-cls"]["L1 updates"].status == NOT_TESTED
    assert broken["singapore-cls"]["L1 updates"].failing_tests == ()


def test_documentary_requirements_are_listed_whatever_the_tests_say():
    judged = verdicts(record("default_password", "failed", "EN303645-5.1-1"))
    disclosure = judged["uk-psti"]["Sch.1 para 2"]
    assert disclosure.status == DOCUMENTARY and disclosure.documentary and disclosure.clauses == {}


def test_a_scheme_headline_is_its_worst_requirement():
    scheme = Scheme(id="s", title="S", source="x", scope="y", requirements=[
        Requirement(id="a", title="A", decided_by=["EN303645-5.1-1"]),
        Requirement(id="b", title="B", decided_by=["EN303645-5.1-5"]),
        Requirement(id="c", title="C", documentary="read the policy")])
    run = lambda *records: scheme_verdicts([scheme], build_matrix(CATALOGUE, {r.nodeid: r for r in records}))[0]
    met = run(record("a", "passed", "EN303645-5.1-1"), record("b", "passed", "EN303645-5.1-5"))
    assert met.headline == MET and met.counts == {MET: 2, NOT_MET: 0, NOT_TESTED: 0, DOCUMENTARY: 1}
    assert run(record("a", "passed", "EN303645-5.1-1")).headline == "incomplete"
    assert run(record("a", "failed", "EN303645-5.1-1")).headline == NOT_MET


@pytest.mark.parametrize("case, mutate, key, line", [
    ("unknown clause", lambda t: t.replace("decided_by: [EN303645-5.1-1]", "decided_by: [EN303645-9.9]"),
     "requirements.0.decided_by.0", 10),
    ("id not the file name", lambda t: t.replace("id: uk-psti", "id: uk-psti-2"), "id", 1),
    ("both ways decided", lambda t: t.replace("decided_by: [EN303645-5.1-1]}",
                                              "decided_by: [EN303645-5.1-1], documentary: x}"), "requirements.0", 9),
    ("neither way decided", lambda t: t.replace(",\n     decided_by: [EN303645-5.1-1]", ""), "requirements.0", 9),
    ("unknown key", lambda t: t.replace("scope:", "scopes:"), "scopes", 4),
    ("duplicate key", lambda t: t.replace("scope:", "title: again\nscope:"), "title", 4),
    ("no requirements", lambda t: t[:t.index("requirements:")] + "requirements: []\n", "requirements", 8),
])
def test_a_bad_scheme_file_names_file_line_and_key(tmp_path, case, mutate, key, line):
    text = mutate(PSTI)
    assert text != PSTI, case
    (tmp_path / "uk-psti.yaml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_scheme(tmp_path / "uk-psti.yaml", KNOWN)
    assert any(k == key and n == line for n, k, _ in raised.value.problems), (case, raised.value.problems)
    assert str(tmp_path / "uk-psti.yaml") in str(raised.value)


@HOSTILE
@given(mutated_text([p.read_text() for p in SHIPPED]))
def test_a_mutated_scheme_file_loads_or_is_a_config_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scheme.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        scheme = typed(lambda: load_scheme(path, KNOWN), ConfigError)
        assert scheme is None or isinstance(scheme, Scheme)
