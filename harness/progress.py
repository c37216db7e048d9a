"""Live progress of a campaign for the engineer watching it: one line as a
case starts and one as it ends (compliance point, clauses, verdict, seconds),
with an estimate of the time left from the last campaign's per-case times
(its verdict records) - or, for cases it did not run, this campaign's mean.
On by default on a terminal only (`--progress auto`); `on` for a CI log.
Runs in the process that reports: pytest's own, or xdist's controller."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.context import CONTEXT_KEY
from harness.evidence.records import VERDICT_PROPERTY, read_records

POINT, CLAUSES = "harness.point", "harness.clauses"
PROGRESS_CHOICES = ("auto", "on", "off")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness")
    group.addoption("--progress", choices=PROGRESS_CHOICES, default="auto",
                    help="one line per case as it starts and ends, with the time left (auto: on a terminal)")
    group.addoption("--progress-history", default=None,
                    help="verdict records of an earlier campaign (evidence/tests), for the time-left estimate")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each report carries its case's point and clauses (user properties
    travel from an xdist worker to the controller, which prints)."""
    for item in items:
        marks = list(item.iter_markers("requirement"))
        if marks:
            item.user_properties.append((POINT, marks[0].args[0]))
            item.user_properties.append((CLAUSES, " ".join(c for m in marks for c in m.args[1:])))


def _label(point: str, clauses: str) -> str:
    return f"{point} {clauses}".strip()


def _minutes(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class Progress:
    """Registered as a plugin of the reporting process when progress is on."""

    def __init__(self, config: pytest.Config, history: Path | None):
        """history: an earlier campaign's evidence/tests folder, if any."""
        self.config = config
        records = read_records(history) if history is not None and history.is_dir() else {}
        self.history = {nodeid: max(0.0, r.stopped - r.started) for nodeid, r in records.items()}
        # node id -> "AP-IPV6 RFC4862-5.4.2": from the history, then from this campaign's reports
        self.labels = {nodeid: _label(r.point, " ".join(r.clauses)) for nodeid, r in records.items() if r.point}
        self.planned: list[str] = []
        self.seconds: dict[str, float] = {}  # node id -> its phases so far
        self.done: dict[str, float] = {}
        workers = getattr(config.option, "numprocesses", None)
        self.instances = workers if isinstance(workers, int) and workers > 0 else 1

    def _write(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)

    def _plan(self, nodeids: list[str]) -> None:
        if not self.planned:
            self.planned = list(nodeids)

    def left_s(self) -> float | None:
        """What the unfinished cases took last time (this campaign's mean
        for a case without history), spread over the instances."""
        unfinished = [nodeid for nodeid in self.planned if nodeid not in self.done]
        known = list(self.done.values()) or list(self.history.values())
        if not known:
            return None
        mean = sum(known) / len(known)
        return sum(self.history.get(nodeid, mean) for nodeid in unfinished) / self.instances

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._plan([item.nodeid for item in session.items])
        for item in session.items:
            properties = dict(item.user_properties)
            if POINT in properties:
                self.labels[item.nodeid] = _label(properties[POINT], properties[CLAUSES])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        self._plan(ids)

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        label = self.labels.get(nodeid)
        self._write(f"  start   {label + '  ' if label else ''}{nodeid}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if POINT in properties:
            self.labels[report.nodeid] = _label(properties[POINT], properties.get(CLAUSES, ""))
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        if report.when != "teardown":
            return
        self.done[report.nodeid] = seconds = self.seconds.pop(report.nodeid)
        verdict = properties.get(VERDICT_PROPERTY, report.outcome)
        total = len(self.planned) or len(self.done)
        left = self.left_s()
        estimate = f"  ~{_minutes(left)} left" if left is not None and len(self.done) < total else ""
        self._write(f"  {verdict:<8}{seconds:6.1f} s  [{len(self.done)}/{total}]  "
                    f"{self.labels.get(report.nodeid, '-')}  {report.nodeid}{estimate}")

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report):
        """With progress lines on, pytest's dots would only break them up."""
        result = yield
        if isinstance(result, tuple) and len(result) == 3:
            return result[0], "", result[2]
        return result


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Progress is the campaign's (a lab config given), in the process that reports."""
    wanted = config.getoption("progress")
    on = sys.stdout.isatty() if wanted == "auto" else wanted == "on"
    if on and CONTEXT_KEY in config.stash and not hasattr(config, "workerinput"):
        history = config.getoption("progress_history")
        config.pluginmanager.register(Progress(config, Path(history) if history else None), "harness-progress")
