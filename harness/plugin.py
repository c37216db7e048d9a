"""The pytest plugin. Inert unless a lab config is given: it only registers
its markers, and DUT fixtures skip with the reason.

Markers:
  requirement(point, *clauses)  ties a test to a compliance point and clauses
  needs_feature(name)           skip unless the DUT declares the feature (mandatory ones: never, harness/features.py)
  needs_command(name)           skip unless the DUT declares the console command
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import allure
import pytest

from harness.clauses import catalogue, use_catalogue
from harness.config import LabConfig, load_lab_config
from harness.context import CONTEXT_KEY, CampaignContext, Dut
from harness.drivers.console import Completion
from harness.drivers.hoststack import HostStack
from harness.drivers.link import FrameRecorder
from harness.drivers.machine import Machine
from harness.errors import ConfigError, HarnessError
from harness.evidence.atomic import write_text_atomically
from harness.evidence.catalogue import CATALOGUE_NAME, Catalogue
from harness.evidence.environment import write_allure_environment
from harness.evidence.records import finished_tests
from harness.features import not_applicable
from harness.lab.machines import make_machine
from harness.lab.preparation import restart_link
from harness.lab.tester import TesterNode
from harness.ordering import case_order, reorder
from harness.process import notify_booted

if TYPE_CHECKING:
    from harness.cellular_lab import CellularLab

# Evidence slices and verdict records are collected by their own plugin module.
pytest_plugins = ["harness.evidence.collector", "harness.progress"]



def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "IoT conformance harness")
    group.addoption("--lab-config", dest="lab_config", default=None, help="lab config YAML; without it the plugin is inert")
    group.addoption("--evidence-dir", dest="evidence_dir", default=None, help="where captures and transcripts go")
    group.addoption(
        "--skip-done", dest="skip_done", action="store_true",
        help="deselect tests that already have a verdict in the evidence dir (resuming a campaign)",
    )
    group.addoption(
        "--case-order", dest="case_order", default="collection", type=case_order,
        help="collection, reversed, or shuffled:SEED - verdicts must not depend on it",
    )
    group.addoption(
        "--catalogue", dest="catalogue", default=None,
        help="requirement catalogue (default: testsuites/requirements.yaml under the rootdir)",
    )
    parser.addini("lab_config", "default lab config YAML", default=None)
    parser.addini("evidence_dir", "default evidence directory", default="reports/evidence")


_CATALOGUE_KEY = pytest.StashKey[Catalogue]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(point, *clauses): compliance point and clauses a test checks")
    config.addinivalue_line("markers", "needs_feature(name): skip unless the DUT declares this feature")
    config.addinivalue_line("markers", "needs_command(name): skip unless the DUT declares this console command")
    config.addinivalue_line("markers", "slow: waits out a long protocol timer (deselect with -m 'not slow')")
    # Markers are checked against it, and verdicts take their clause labels from it.
    use_catalogue(Path(config.getoption("catalogue") or config.rootpath / "testsuites" / CATALOGUE_NAME))
    path = config.getoption("lab_config") or config.getini("lab_config")
    if not path:
        return
    try:
        lab = load_lab_config(path)
    except ConfigError as exc:
        raise pytest.UsageError(f"invalid lab config:\n{exc}") from None
    evidence = Path(config.getoption("evidence_dir") or config.getini("evidence_dir")).resolve()
    evidence.mkdir(parents=True, exist_ok=True)
    # Under pytest-xdist each worker (gw0, gw1, ...) drives its own DUT instance;
    # its workerinput says so (the environment variable is inherited by every
    # pytest a worker starts, such as a campaign under the harness's own tests).
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        lab = lab.instance(int(worker.removeprefix("gw")))
    config.stash[CONTEXT_KEY] = CampaignContext(lab, Path(path).resolve(), evidence, worker)


def _context(request: pytest.FixtureRequest) -> CampaignContext:
    context = request.config.stash.get(CONTEXT_KEY, None)
    if context is None:
        pytest.skip("no lab config given (--lab-config)")
    return context


def pytest_sessionstart(session: pytest.Session) -> None:
    context = session.config.stash.get(CONTEXT_KEY, None)
    results_dir = getattr(session.config.option, "allure_report_dir", None)
    if context is not None and results_dir:
        write_allure_environment(Path(results_dir), context.config)


def _catalogue(config: pytest.Config) -> Catalogue:
    if _CATALOGUE_KEY not in config.stash:
        try:
            config.stash[_CATALOGUE_KEY] = catalogue()
        except ConfigError as exc:
            raise pytest.UsageError(f"invalid requirement catalogue:\n{exc}") from None
    return config.stash[_CATALOGUE_KEY]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every requirement marker must name catalogue ids; checked even without
    a lab config, so a typo never reaches a report. Only tests that carry the
    marker are affected: the plugin stays out of unrelated test suites."""
    for item in items:
        for mark in item.iter_markers("requirement"):
            catalogue = _catalogue(config)
            unknown = catalogue.unknown(mark.args[0], mark.args[1:]) if mark.args else ["nothing"]
            if unknown:
                raise pytest.UsageError(f"{item.nodeid}: requirement marker names {', '.join(unknown)}, not in the catalogue")
    reorder(items, config.getoption("case_order"))
    context = config.stash.get(CONTEXT_KEY, None)
    if context is not None and config.getoption("skip_done"):
        done = finished_tests(context.tests_dir, _allure_results_dir(config))
        keep = [item for item in items if item.nodeid not in done]
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid in done])
        items[:] = keep


def _allure_results_dir(config: pytest.Config) -> Path | None:
    results = getattr(config.option, "allure_report_dir", None)
    return Path(results) if results else None


# -- fixtures ------------------------------------------------------------------
@pytest.fixture(scope="session")
def cellular(request: pytest.FixtureRequest) -> Iterator[CellularLab]:
    """The module's AT channel, the callbox and the NAS trace (with the
    emulators in CI); skips when the lab has no cellular side."""
    from harness.cellular_lab import open_cellular_lab  # NAS decoding is a second's import: only for a cellular lab

    context = _context(request)
    if context.config.cellular is None:
        pytest.skip("the lab config has no cellular section")
    suffix = f"-{context.worker}" if context.worker else ""
    lab = open_cellular_lab(context.config, context.evidence_dir / f"cellular{suffix}")
    context.cellular_wiring = lab.wiring
    context.slice_sources["cellular"] = lab
    try:
        yield lab
    finally:
        del context.slice_sources["cellular"]
        lab.close()


@pytest.fixture(scope="session")
def lab_config(request: pytest.FixtureRequest) -> LabConfig:
    return _context(request).config


@pytest.fixture(scope="session")
def campaign(request: pytest.FixtureRequest) -> CampaignContext:
    """The campaign's folders: a suite's evidence, the lab's own secrets."""
    return _context(request)


def _boot(context: CampaignContext) -> tuple[Machine, FrameRecorder]:
    """Boot (or power on) the DUT with its evidence in a new run folder. A
    boot failure is a lab failure: it raises a HarnessError."""
    run_dir = context.new_run_dir()
    recorder = FrameRecorder(run_dir / "link.pcap")
    machine = make_machine(context.config, run_dir, recorder, context.unit_store(), context.cellular_wiring)
    try:
        machine.start()
        if machine.console is not None:
            machine.console.completion = Completion.declared(context.config.declaration.commands)
        session = {"boot_seconds": machine.boot_seconds, "started": time.time()}
        write_text_atomically(run_dir / "session.json", json.dumps(session, indent=2) + "\n")
        _record_device_info(context.config, machine, run_dir)
    except BaseException:
        _shut_down(machine, recorder)
        raise
    notify_booted()
    return machine, recorder


def _shut_down(machine: Machine, recorder: FrameRecorder) -> None:
    try:
        machine.stop()
    finally:
        recorder.close()


@pytest.fixture(scope="session")
def dut(request: pytest.FixtureRequest) -> Iterator[Dut]:
    """Boots the DUT once per session; every test using it is `broken` if
    that fails. Revived between tests when a resource dies (pytest_runtest_setup)."""
    context = _context(request)
    cellular = context.config.cellular
    if cellular is not None and cellular.emulated:
        request.getfixturevalue("cellular")  # the module must listen before QEMU connects to it
    dut = Dut(context.config, *_boot(context))
    context.dut = dut
    context.slice_sources["dut"] = dut
    try:
        yield dut
    finally:
        del context.slice_sources["dut"]
        context.dut = None
        _shut_down(dut.machine, dut.recorder)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a test that needs the DUT, and before any of its fixtures (a
    package's or module's fixture set up for it must meet a live DUT too): if
    a resource died (QEMU exited, the console or link failed), the test that
    saw it is already `broken` with the cause; bring the DUT back so this one
    runs. A DUT that cannot be brought back makes this test broken too."""
    context = item.config.stash.get(CONTEXT_KEY, None)
    if context is None or context.dut is None or "dut" not in getattr(item, "fixturenames", ()):
        return
    dut = context.dut
    cause = dut.failure()
    if cause is None:
        return
    dut.lost = f"DUT lost ({cause}); reviving it failed"
    _shut_down(dut.machine, dut.recorder)
    try:
        machine, recorder = _boot(context)
    except HarnessError as exc:
        dut.lost = f"DUT lost ({cause}); reviving it failed: {exc}"
        raise
    dut.revived(machine, recorder)


def _record_device_info(config: LabConfig, machine: Machine, run_dir: Path) -> None:
    """What the device says about itself, for the DUT identity in the bundle."""
    from harness.drivers.console import device_info

    command = config.declaration.commands.device_info
    if not command or machine.console is None:
        return
    fields = device_info(machine.console, command)
    write_text_atomically(run_dir / "device-info.json", json.dumps(fields, indent=2) + "\n")


@pytest.fixture(scope="session")
def tester(dut: Dut) -> TesterNode:
    node = TesterNode(dut.machine.link, dut.config.tester.mac, dut.config.tester.prefix)
    dut.on_revived(lambda: node.rebind(dut.machine.link))
    return node


@pytest.fixture
def host_stack(tester: TesterNode) -> Iterator[HostStack]:
    """A host network stack with the tester's addresses on the DUT's link,
    for a test to run real clients in (HostStack.run); every frame still
    passes the recorder. Made per test, so other tests see a quiet link."""
    with HostStack(tester) as stack:
        yield stack


@pytest.fixture
def link_up(dut: Dut) -> int:
    """A fresh link-up for this test: the recorder index it starts at."""
    return restart_link(dut)


@pytest.fixture(autouse=True)
def _requirement_labels(request: pytest.FixtureRequest) -> None:
    for mark in request.node.iter_markers("requirement"):
        point, *clauses = mark.args
        allure.dynamic.epic(f"{point} {_catalogue(request.config).points[point].title}")
        allure.dynamic.label("compliance_point", point)
        catalogue = _catalogue(request.config)
        for clause in clauses:
            allure.dynamic.story(clause)
            allure.dynamic.label("clause", clause)
            allure.dynamic.label("standard", catalogue.points[point].clauses[clause].standard)
            # The report lives in html/; the matrix beside it, one level up.
            allure.dynamic.link(f"../traceability.html#{clause}", name=f"traceability: {clause}")
    declaration = request.config.stash.get(CONTEXT_KEY, None)
    if declaration is None:
        return
    features = declaration.config.declaration.features
    for mark in request.node.iter_markers("needs_feature"):
        reason = not_applicable(mark.args[0], features)
        if reason is not None:
            pytest.skip(reason)
    commands = declaration.config.declaration.commands
    for mark in request.node.iter_markers("needs_command"):
        if getattr(commands, mark.args[0], None) is None:
            pytest.skip(f"DUT declares no {mark.args[0]!r} console command")
