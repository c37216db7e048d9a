"""The campaign's progress lines: one as a case starts and one as it ends,
with point, clauses, verdict, seconds and the time left estimated from the
last campaign's records (this campaign's mean for a case they lack)."""

from __future__ import annotations

from types import SimpleNamespace

from harness.evidence.records import VERDICT_PROPERTY, VerdictRecord, write_record
from harness.progress import CLAUSES, POINT, Progress

A, B, C = (f"testsuites/ipv6/test_x.py::test_{name}" for name in "abc")


class Lines:
    def __init__(self):
        self.lines: list[str] = []

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def progress(tmp_path, history: dict[str, float], workers: int | None = None) -> tuple[Progress, Lines]:
    for number, (nodeid, seconds) in enumerate(history.items()):
        write_record(tmp_path / f"t{number}", VerdictRecord(nodeid, nodeid, "AP-IPV6", ("RFC4862-5.4.2",), "passed", "",
                                                            100.0, 100.0 + seconds))
    lines = Lines()
    config = SimpleNamespace(option=SimpleNamespace(numprocesses=workers),
                             pluginmanager=SimpleNamespace(get_plugin=lambda name: lines))
    return Progress(config, tmp_path), lines


def report(nodeid: str, when: str, duration: float, verdict: str | None = None):
    properties = [(POINT, "AP-IPV6"), (CLAUSES, "RFC4861-7.2.4")]
    if verdict:
        properties.append((VERDICT_PROPERTY, verdict))
    return SimpleNamespace(nodeid=nodeid, when=when, duration=duration, user_properties=properties, outcome="passed")


def test_each_case_gets_a_start_and_an_end_line_with_its_verdict_and_seconds(tmp_path):
    run, lines = progress(tmp_path, {A: 10.0})
    run.pytest_xdist_node_collection_finished(None, [A, B])
    run.pytest_runtest_logstart(A, None)
    assert lines.lines[-1] == f"  start   AP-IPV6 RFC4862-5.4.2  {A}"  # the label the last campaign recorded
    for when, seconds in (("setup", 1.0), ("call", 2.0)):
        run.pytest_runtest_logreport(report(A, when, seconds))
    run.pytest_runtest_logreport(report(A, "teardown", 0.5, "failed"))
    end = lines.lines[-1]
    assert end.split()[:4] == ["failed", "3.5", "s", "[1/2]"] and "AP-IPV6 RFC4861-7.2.4" in end and A in end
    assert end.endswith("~4 s left")  # B has no history: this campaign's mean so far (3.5 s)


def test_the_estimate_uses_the_history_and_spreads_over_the_instances(tmp_path):
    run, lines = progress(tmp_path, {A: 1.0, B: 100.0, C: 140.0}, workers=2)
    run.pytest_xdist_node_collection_finished(None, [A, B, C])
    run.pytest_runtest_logreport(report(A, "teardown", 1.0, "passed"))
    assert lines.lines[-1].endswith("~2 min 00 s left")  # (100 + 140) / 2
    run.pytest_runtest_logreport(report(B, "teardown", 1.0, "passed"))
    run.pytest_runtest_logreport(report(C, "teardown", 1.0, "broken"))
    assert "left" not in lines.lines[-1] and "[3/3]" in lines.lines[-1] and lines.lines[-1].split()[0] == "broken"
