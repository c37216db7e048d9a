"""Evidence building blocks: traceability, records, signing, verification."""

from __future__ import annotations

import json
from pathlib import Path
import re
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.evidence import signing
from harness.evidence.catalogue import load_catalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "testsuites" / "requirements.yaml"
from harness.evidence.records import VerdictRecord, read_records, write_record
from harness.evidence.traceability import INCONCLUSIVE, NOT_COVERED, build_matrix, combine
from harness.observations import Advisory, Measurement


def record(nodeid: str, status: str, clauses=("RFC4862-5.4.2",), point="AP-IPV6") -> VerdictRecord:
    return VerdictRecord(nodeid, nodeid.split("::")[-1], point, tuple(clauses), status, "", 0.0, 1.0, (f"evidence/{nodeid}.pcap",))


@pytest.mark.parametrize(
    "verdicts, clause_verdict",
    [([], NOT_COVERED), (["passed"], "passed"), (["passed", "failed"], "failed"), (["passed", "broken"], "broken"),
     (["failed", "broken"], "failed"), (["skipped"], "skipped"), (["skipped", "passed"], "passed")],
)
def test_clause_verdict_precedence(verdicts, clause_verdict):
    assert combine(verdicts) == clause_verdict


def test_matrix_keeps_uncovered_clauses_and_links_evidence():
    records = {r.nodeid: r for r in [record("a::t1", "passed"), record("a::t2", "failed"), record("a::t3", "passed", ["RFC3810-5.2"])]}
    points = {p.id: p for p in build_matrix(load_catalogue(CATALOGUE), records)}
    clauses = {c.id: c for c in points["AP-IPV6"].clauses}
    assert clauses["RFC4862-5.4.2"].verdict == "failed"
    assert [t.nodeid for t in clauses["RFC4862-5.4.2"].tests] == ["a::t1", "a::t2"]
    assert clauses["RFC3810-5.2"].tests[0].evidence == ("evidence/a::t3.pcap",)
    assert clauses["RFC8106-5.1"].verdict == NOT_COVERED and clauses["RFC8106-5.1"].tests == ()
    assert points["AP-IPV6"].verdict == "failed"
    assert points["AP-CELL"].verdict == NOT_COVERED
    assert sum(len(p.clauses) for p in points.values()) == sum(len(p.clauses) for p in load_catalogue(CATALOGUE).points.values())


def test_a_failed_control_is_attributed_to_the_controls_clause():
    """A case marked RFC 4861 7.2.4 whose echo control failed (RFC 4443 4.2)
    fails RFC4443-4.2 in the matrix; its own clause was not judged."""
    failed_control = replace(
        record("a::ns_case", "failed", ["RFC4861-7.2.4"]),
        judged_clause="RFC4443-4.2", expected="an echo reply (control)", observed="no reply",
    )
    records = {r.nodeid: r for r in [failed_control, record("a::echo_case", "passed", ["RFC4443-4.2"])]}
    clauses = {c.id: c for c in build_matrix(load_catalogue(CATALOGUE), records)[0].clauses}
    assert clauses["RFC4443-4.2"].verdict == "failed"
    assert {t.nodeid: t.status for t in clauses["RFC4443-4.2"].tests} == {"a::echo_case": "passed", "a::ns_case": "failed"}
    assert clauses["RFC4861-7.2.4"].verdict == INCONCLUSIVE
    assert [(t.status, t.verdict, t.judged_clause) for t in clauses["RFC4861-7.2.4"].tests] == [
        (INCONCLUSIVE, "failed", "RFC4443-4.2")
    ]


def test_a_failure_on_the_markers_own_clause_fails_it():
    own = replace(record("a::t", "failed", ["RFC4862-5.4.2", "RFC4862-5.4"]), judged_clause="RFC4862-5.4.2")
    clauses = {c.id: c for c in build_matrix(load_catalogue(CATALOGUE), {own.nodeid: own})[0].clauses}
    assert clauses["RFC4862-5.4.2"].verdict == "failed" and clauses["RFC4862-5.4"].verdict == INCONCLUSIVE


def test_records_keep_clause_expected_observed_measurements_and_advisories(tmp_path):
    full = replace(
        record("a::t", "failed"), judged_clause="RFC4862-5.4.2", expected="a probe", observed="none", judged_frame=8,
        measurements=(Measurement("RS retransmission interval", 3.7, "s", low=3.6),),
        advisories=(Advisory("RFC4862-5.5.3", "EUI-64 IID"),),
    )
    write_record(tmp_path / "t", full)
    assert read_records(tmp_path) == {"a::t": full}
    assert full.measurements[0].within_limits and not Measurement("x", 1.0, "s", high=0.5).within_limits


def test_clause_ids_have_one_spelling_the_catalogues():
    from harness.clauses import clause_label
    from harness.errors import HarnessError
    from harness.verdict import NonConformance

    assert str(NonConformance("RFC4862-5.4.2", "a", "b")) == "RFC 4862 5.4.2: expected a; observed b"
    assert clause_label("RFC8415-18.2.10.1") == "RFC 8415 18.2.10.1"
    with pytest.raises(HarnessError):
        NonConformance("RFC 4862 5.4.2", "a", "b")  # the label is not an id


def test_a_failure_points_at_the_frame_it_judged():
    from harness.values.frames import Frame
    from harness.verdict import NonConformance, expect_frame, expect_no_findings

    probe = Frame(7, 0.0, "rx", b"")
    with pytest.raises(NonConformance) as missing:
        expect_frame(None, "RFC4862-5.4.2", "a DAD probe", "none")
    assert (missing.value.clause, missing.value.observed, missing.value.frame) == ("RFC4862-5.4.2", "none", None)
    assert expect_frame(probe, "RFC4862-5.4.2", "a DAD probe", "none") is probe
    expect_no_findings([], "RFC4862-5.4.2", "a well-formed probe", probe)
    with pytest.raises(NonConformance) as judged:
        expect_no_findings(["hop limit 64", "source fe80::1"], "RFC4862-5.4.2", "a well-formed probe", probe)
    assert judged.value.frame == 8  # Wireshark's number: the recorder counts from 0
    assert str(judged.value) == ("RFC 4862 5.4.2: expected a well-formed probe; observed hop limit 64; "
                                 "source fe80::1 (link.pcap frame 8)")


def test_a_measurement_is_judged_by_its_own_limits():
    from harness.verdict import NonConformance, expect_within

    spacing = Measurement("RS retransmission interval", 3.7, "s", low=3.6)
    assert expect_within(spacing, "RFC4861-6.3.7", "RSs at least 3.6 s apart") is spacing
    with pytest.raises(NonConformance) as short:
        expect_within(replace(spacing, value=1.2), "RFC4861-6.3.7", "RSs at least 3.6 s apart")
    assert short.value.observed == "RS retransmission interval 1.2 s (limits 3.6 .. -)"


def test_every_clause_id_the_suites_name_is_in_the_catalogue(repo):
    catalogue = load_catalogue(CATALOGUE)
    named = {
        match for path in (repo / "testsuites").rglob("*.py")
        for match in re.findall(r'"((?:RFC|TS|YD|GB|EN|AP)[A-Za-z0-9.]*-[0-9][0-9.]*)"', path.read_text())
    }
    assert named and {clause for clause in named if catalogue.point_of(clause) is None} == set()
    labels = {m for p in (repo / "testsuites").rglob("*.py") for m in re.findall(r'"RFC \d+ [\d.]+"', p.read_text())}
    assert labels == set(), "clauses are named by catalogue id, not by label"


def test_records_round_trip_and_damaged_ones_count_as_absent(tmp_path):
    write_record(tmp_path / "one", record("x::one", "passed"))
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "result.json").write_text('{"nodeid": "x::two", "sta')
    records = read_records(tmp_path)
    assert list(records) == ["x::one"] and records["x::one"].clauses == ("RFC4862-5.4.2",)
    assert not list(tmp_path.glob("one/.*.tmp")), "no temporary file is left behind"


@pytest.fixture
def bundle(tmp_path):
    root = tmp_path / "bundle"
    (root / "evidence").mkdir(parents=True)
    (root / "evidence" / "console.log").write_text("boot\n")
    (root / "summary.html").write_text("<html></html>")
    key = signing.load_signing_key(None)
    signing.write_manifest(root, {"id": "t"}, key)
    signing.sign_manifest(root, key)
    return root, key


def test_a_fresh_bundle_verifies_and_names_its_throwaway_key(bundle):
    root, key = bundle
    result = signing.verify_bundle(root)
    assert result.ok and result.key_kind == signing.THROWAWAY and result.fingerprint == key.fingerprint
    manifest = json.loads((root / "manifest.json").read_text())
    assert "throw-away" in manifest["signing"]["warning"]


def test_verification_names_modified_missing_and_extra_files(bundle):
    root, _ = bundle
    (root / "evidence" / "console.log").write_text("boot!\n")
    (root / "summary.html").unlink()
    (root / "evidence" / "planted.txt").write_text("x")
    result = signing.verify_bundle(root)
    assert (result.modified, result.missing, result.extra) == (["evidence/console.log"], ["summary.html"], ["evidence/planted.txt"])


def test_a_bundle_signed_by_another_key_fails_when_the_key_is_pinned(bundle):
    root, key = bundle
    assert signing.verify_bundle(root, key.fingerprint).ok
    other = signing.load_signing_key(None)
    result = signing.verify_bundle(root, other.fingerprint)
    assert not result.ok and "not by the trusted key" in result.signature_problems[0]


def test_lab_key_comes_from_the_environment_and_stays_out_of_the_bundle(tmp_path, monkeypatch):
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key_file = tmp_path / "lab.pem"
    key_file.write_bytes(pem)
    monkeypatch.setenv(signing.KEY_ENVIRONMENT, str(key_file))
    key = signing.load_signing_key(None)
    assert key.kind == signing.LAB
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "a.txt").write_text("a")
    signing.write_manifest(root, {}, key)
    signing.sign_manifest(root, key)
    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    for path in root.rglob("*"):
        data = path.read_bytes()
        assert raw_private not in data and b"PRIVATE KEY" not in data
    assert signing.verify_bundle(root).key_kind == signing.LAB


def test_a_key_that_is_not_ed25519_is_refused(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "ec.pem"
    path.write_bytes(pem)
    with pytest.raises(signing.HarnessError, match="not an Ed25519"):
        signing.load_signing_key(path)
