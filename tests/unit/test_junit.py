"""The campaign's JUnit XML: one testcase per record, product failures as
<failure>, lab failures as <error>, the clauses as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.evidence.junit import junit_xml, write_junit
from harness.evidence.records import VerdictRecord


def record(nodeid: str, status: str, point: str | None = "AP-IPV6", message: str = "", **judged) -> VerdictRecord:
    return VerdictRecord(nodeid=nodeid, name=nodeid.split("::")[-1], point=point, clauses=("RFC4862-5.4.2",),
                         status=status, message=message, started=100.0, stopped=102.5, **judged)


RECORDS = {r.nodeid: r for r in (
    record("testsuites/ipv6/test_slaac.py::test_a", "passed"),
    record("testsuites/ipv6/test_slaac.py::test_b", "failed", message="RFC 4862 5.4.2: expected x; observed y\nmore",
           judged_clause="RFC4862-5.4.2", expected="x", observed="y", judged_frame=7),
    record("testsuites/ipv6/test_slaac.py::test_c[p1]", "broken", message="HarnessError: console gone"),
    record("testsuites/data/test_flows.py::test_d", "skipped", point="AP-DATA", message="no broker"),
    record("tests/loose.py::test_e", "passed", point=None),
)}


def test_every_record_is_one_testcase_with_its_verdict_kind():
    root = ET.fromstring(junit_xml("c1", RECORDS))
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(RECORDS)
    by_name = {case.get("name"): case for case in cases}
    assert by_name["test_b"].find("failure").get("message") == "RFC 4862 5.4.2: expected x; observed y"
    assert by_name["test_c[p1]"].find("error") is not None and by_name["test_c[p1]"].find("failure") is None
    assert by_name["test_d"].find("skipped") is not None
    assert all(by_name["test_a"].find(kind) is None for kind in ("failure", "error", "skipped"))
    assert by_name["test_a"].get("classname") == "testsuites.ipv6.test_slaac"
    assert by_name["test_a"].get("time") == "2.500"


def test_suites_count_their_verdicts_and_properties_carry_the_clauses():
    root = ET.fromstring(junit_xml("c1", RECORDS))
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"AP-IPV6", "AP-DATA", "(no compliance point)"}
    ipv6 = suites["AP-IPV6"]
    assert (ipv6.get("tests"), ipv6.get("failures"), ipv6.get("errors"), ipv6.get("skipped")) == ("3", "1", "1", "0")
    failed = next(case for case in ipv6 if case.get("name") == "test_b")
    properties = {p.get("name"): p.get("value") for p in failed.iter("property")}
    assert properties["clause"] == "RFC4862-5.4.2" and properties["judged_frame"] == "7"
    assert properties["verdict"] == "failed" and properties["nodeid"] == "testsuites/ipv6/test_slaac.py::test_b"


def test_written_into_the_bundle_root(tmp_path):
    bundle = tmp_path / "20261207T000000Z-lab"
    bundle.mkdir()
    path = write_junit(bundle, RECORDS)
    assert path.name == "junit.xml"
    assert ET.parse(path).getroot().get("name") == "20261207T000000Z-lab"
