"""The campaign's verdicts as JUnit XML, the format CI systems (GitLab,
Jenkins, GitHub Actions reporters) read: one testsuite per compliance point,
one testcase per verdict record. A product failure is a <failure>, a lab
failure (broken) an <error>, so a pipeline tells the two apart; the clauses
travel as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from harness.evidence.atomic import write_atomically
from harness.evidence.records import VerdictRecord

JUNIT_NAME = "junit.xml"
NO_POINT = "(no compliance point)"


def _classname(nodeid: str) -> str:
    """testsuites/ipv6/test_slaac.py::test_x[p] -> testsuites.ipv6.test_slaac"""
    module = nodeid.split("::", 1)[0]
    return module.removesuffix(".py").replace("/", ".")


def _testcase(record: VerdictRecord) -> ET.Element:
    case = ET.Element("testcase", name=record.nodeid.split("::", 1)[-1], classname=_classname(record.nodeid),
                      time=f"{max(0.0, record.stopped - record.started):.3f}")
    properties = ET.SubElement(case, "properties")
    facts = [("nodeid", record.nodeid), ("verdict", record.status)]
    facts += [("clause", clause) for clause in record.clauses]
    for name in ("judged_clause", "expected", "observed", "judged_frame"):
        if getattr(record, name) is not None:
            facts.append((name, str(getattr(record, name))))
    for name, value in facts:
        ET.SubElement(properties, "property", name=name, value=value)
    first_line = record.message.splitlines()[0] if record.message else record.status
    if record.status == "failed":
        ET.SubElement(case, "failure", message=first_line, type="NonConformance").text = record.message
    elif record.status == "broken":
        ET.SubElement(case, "error", message=first_line, type="LabFailure").text = record.message
    elif record.status == "skipped":
        ET.SubElement(case, "skipped", message=first_line)
    return case


def junit_xml(campaign: str, records: dict[str, VerdictRecord]) -> bytes:
    by_point: dict[str, list[VerdictRecord]] = defaultdict(list)
    for record in records.values():
        by_point[record.point or NO_POINT].append(record)
    root = ET.Element("testsuites", name=campaign)
    for point in sorted(by_point):
        cases = sorted(by_point[point], key=lambda r: r.nodeid)
        statuses = [r.status for r in cases]
        suite = ET.SubElement(
            root, "testsuite", name=point, tests=str(len(cases)), failures=str(statuses.count("failed")),
            errors=str(statuses.count("broken")), skipped=str(statuses.count("skipped")),
            time=f"{sum(max(0.0, r.stopped - r.started) for r in cases):.3f}",
        )
        suite.extend(_testcase(record) for record in cases)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(root: Path, records: dict[str, VerdictRecord]) -> Path:
    document = junit_xml(root.name, records)
    return write_atomically(root / JUNIT_NAME, lambda temporary: temporary.write_bytes(document))
