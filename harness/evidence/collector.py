"""Evidence collection as tests run: each test's slice of the capture and
the console, attached to its allure result, and its verdict record, written
atomically the moment it ends (see records.py)."""

from __future__ import annotations

import re
import time
from typing import Iterator

import allure
import pytest

from harness.context import CONTEXT_KEY, Dut
from harness.evidence.records import NODEID_LABEL, RECORD_NAME, VERDICT_PROPERTY, VerdictRecord, write_record
from harness.evidence.slices import attachment_type
from harness.malformed import MalformedInput
from harness.observations import Observations
from harness.verdict import NonConformance

MESSAGE_CHARS = 4000

_SLICE_START = pytest.StashKey[float]()
_PHASES = pytest.StashKey[dict]()  # when -> (report, excinfo) of each phase run so far
_OBSERVATIONS = pytest.StashKey[Observations]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each allure result names its test's node id, so results and records
    match one for one (a marker: skipped tests carry it too)."""
    for item in items:
        item.add_marker(pytest.mark.allure_label(item.nodeid, label_type=NODEID_LABEL))


@pytest.fixture
def observations(request: pytest.FixtureRequest) -> Observations:
    """This test's measurements and advisories, kept in its item's stash."""
    return request.node.stash[_OBSERVATIONS]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # The slice starts with setup: fixtures send stimuli (link restart, RA).
    item.stash[_SLICE_START] = time.time()
    item.stash[_OBSERVATIONS] = Observations()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Attach the test's own slice of every recorded stream it used (the
    campaign's registered slice sources: the DUT's capture and console, the
    cellular lab's AT, SCPI and NAS logs) to its result, whatever its
    outcome: from its setup to the end of its teardown, whose stimuli (a
    reboot, a restored setting) and the DUT's answers to them belong to it.
    A test skipped at setup ran nothing. The sources are taken before the
    teardown: the campaign's last test tears down the session fixtures too,
    and they unregister themselves."""
    context = item.config.stash.get(CONTEXT_KEY, None)
    used = getattr(item, "funcargs", None) or {}
    sources = [] if context is None else [s for f, s in context.slice_sources.items() if f in used]
    yield
    setup = item.stash.get(_PHASES, {}).get("setup")
    if context is None or setup is None or setup[0].skipped:
        return
    started, ended = item.stash[_SLICE_START], time.time()
    folder = context.tests_dir / _safe_name(item.nodeid)
    for source in sources:
        for path in source.write_slices(folder, started, ended):
            allure.attach.file(str(path), name=path.name, attachment_type=attachment_type(path))


def _judged(error: MalformedInput) -> None:
    """The exception policy (harness/policy.py): the DUT's malformed output
    is a product failure of its clause; anything else goes on as it is."""
    from harness.policy import as_nonconformance

    nonconformance = as_nonconformance(error)
    if nonconformance is not None:
        raise nonconformance from error


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[object]:
    try:
        return (yield)
    except MalformedInput as error:
        _judged(error)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request) -> Iterator[object]:
    try:
        return (yield)
    except MalformedInput as error:
        _judged(error)
        raise


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Once teardown is done, write the test's verdict record atomically:
    a campaign killed later keeps it, and a resumed one skips the test."""
    outcome = yield
    report = outcome.get_result()
    phases = item.stash.setdefault(_PHASES, {})
    phases[report.when] = (report, call.excinfo)
    context = item.config.stash.get(CONTEXT_KEY, None)
    if report.when != "teardown" or context is None:
        return
    status, message, nonconformance = _verdict(phases)
    report.user_properties.append((VERDICT_PROPERTY, status))  # for the progress lines
    found = item.stash.get(_OBSERVATIONS, None) or Observations()
    dut: Dut | None = getattr(item, "funcargs", {}).get("dut")
    if status == "broken" and dut is not None:
        # The error the test saw may be a symptom (a console gone); name the DUT's own state too.
        cause = dut.failure()
        if cause and cause not in message:
            message = f"{message}\nDUT state: {cause}"
    marks = list(item.iter_markers("requirement"))
    folder = context.tests_dir / _safe_name(item.nodeid)
    evidence = tuple(
        path.relative_to(context.evidence_dir.parent).as_posix()
        for path in sorted(folder.glob("*")) if path.name != RECORD_NAME and not path.name.startswith(".")
    )
    record = VerdictRecord(
        nodeid=item.nodeid,
        name=item.name,
        point=marks[0].args[0] if marks else None,
        clauses=tuple(clause for mark in marks for clause in mark.args[1:]),
        status=status,
        message=message[:MESSAGE_CHARS],
        started=item.stash.get(_SLICE_START, 0.0),
        stopped=time.time(),
        evidence=evidence,
        judged_clause=nonconformance.clause if nonconformance else None,
        expected=nonconformance.expected if nonconformance else None,
        observed=nonconformance.observed if nonconformance else None,
        judged_frame=nonconformance.frame if nonconformance else None,
        measurements=tuple(found.measurements),
        advisories=tuple(found.advisories),
    )
    try:
        write_record(folder, record)
    except OSError as exc:
        # The evidence disk failed (full, gone): a lab failure, shown on this
        # test's teardown. It keeps no record, so a resumed campaign runs it
        # again; raising here would abort the whole session instead.
        report.outcome = "failed"
        report.longrepr = f"EvidenceError: verdict record not written to {folder}: {exc}"


def _verdict(phases: dict) -> tuple[str, str, NonConformance | None]:
    """The verdict of a test from its phases, by allure's own rule: an
    AssertionError (a NonConformance, raised by the test or by a fixture that
    needs the DUT to have done something) is a product failure; any other
    error is broken. A NonConformance also gives the clause judged."""
    for when in ("setup", "call", "teardown"):
        if when not in phases:
            continue
        report, excinfo = phases[when]
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            return "skipped", reason, None
        if report.failed:
            message = str(excinfo.value) if excinfo else str(report.longrepr)
            if excinfo is not None and excinfo.errisinstance((AssertionError, pytest.fail.Exception)):
                judged = excinfo.value if isinstance(excinfo.value, NonConformance) else None
                return "failed", message, judged
            return "broken", f"{excinfo.typename if excinfo else 'error'}: {message}", None
    return "passed", "", None


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
