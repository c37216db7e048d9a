"""The pytest plugin. Inert unless a lab config is given: it only registers
its markers, and DUT fixtures skip with the reason.

Markers:
  requirement(point, *clauses)  ties a test to a compliance point and clauses
  needs_feature(name)           skip unless the DUT declares the feature
  needs_command(name)           skip unless the DUT declares the console command
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import allure
import pytest

from harness.config import LabConfig, load_lab_config
from harness.drivers.link import FrameRecorder, write_pcap
from harness.drivers.machine import Machine, make_machine
from harness.errors import ConfigError
from harness.evidence.environment import write_allure_environment
from harness.tester import TesterNode

LINK_RESTART_TIMEOUT_S = 30.0
COMPLIANCE_POINTS = {
    "AP-IPV6": "IPv6 enabled by default",
    "AP-CELL": "4G Cat-1 / NB-IoT attach",
    "AP-DID": "Distributed identity authentication",
    "AP-OOOC": "One object, one code, one number, one data",
    "AP-ACCESS": "Network-access management",
    "AP-SECID": "Network security identification",
    "AP-DATA": "Data classification and grading",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "IoT conformance harness")
    group.addoption("--lab-config", dest="lab_config", default=None, help="lab config YAML; without it the plugin is inert")
    group.addoption("--evidence-dir", dest="evidence_dir", default=None, help="where captures and transcripts go")
    parser.addini("lab_config", "default lab config YAML", default=None)
    parser.addini("evidence_dir", "default evidence directory", default="reports/evidence")


@dataclass
class CampaignContext:
    config: LabConfig
    config_path: Path
    evidence_dir: Path


_CONTEXT_KEY = pytest.StashKey[CampaignContext]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(point, *clauses): compliance point and clauses a test checks")
    config.addinivalue_line("markers", "needs_feature(name): skip unless the DUT declares this feature")
    config.addinivalue_line("markers", "needs_command(name): skip unless the DUT declares this console command")
    path = config.getoption("lab_config") or config.getini("lab_config")
    if not path:
        return
    try:
        lab = load_lab_config(path)
    except ConfigError as exc:
        raise pytest.UsageError(f"invalid lab config:\n{exc}") from None
    evidence = Path(config.getoption("evidence_dir") or config.getini("evidence_dir")).resolve()
    evidence.mkdir(parents=True, exist_ok=True)
    config.stash[_CONTEXT_KEY] = CampaignContext(lab, Path(path).resolve(), evidence)


def _context(request: pytest.FixtureRequest) -> CampaignContext:
    context = request.config.stash.get(_CONTEXT_KEY, None)
    if context is None:
        pytest.skip("no lab config given (--lab-config)")
    return context


def pytest_sessionstart(session: pytest.Session) -> None:
    context = session.config.stash.get(_CONTEXT_KEY, None)
    results_dir = getattr(session.config.option, "allure_report_dir", None)
    if context is not None and results_dir:
        write_allure_environment(Path(results_dir), context.config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for mark in item.iter_markers("requirement"):
            if not mark.args or mark.args[0] not in COMPLIANCE_POINTS:
                raise pytest.UsageError(f"{item.nodeid}: requirement marker names unknown compliance point {mark.args[:1]}")


# -- fixtures ------------------------------------------------------------------
@dataclass
class Dut:
    """What a test gets: the config, the machine and its console and link."""

    config: LabConfig
    machine: Machine
    recorder: FrameRecorder

    @property
    def mac(self) -> str:
        return self.config.dut_mac

    @property
    def console(self):
        return self.machine.console


@pytest.fixture(scope="session")
def lab_config(request: pytest.FixtureRequest) -> LabConfig:
    return _context(request).config


@pytest.fixture(scope="session")
def dut(request: pytest.FixtureRequest) -> Iterator[Dut]:
    """Boots (or powers on) the DUT once per session. A boot failure is a lab
    failure: it raises a HarnessError and every test using it is `broken`."""
    context = _context(request)
    recorder = FrameRecorder(context.evidence_dir / "link.pcap")
    machine = make_machine(context.config, context.evidence_dir, recorder)
    try:
        machine.start()
        yield Dut(context.config, machine, recorder)
    finally:
        machine.stop()
        recorder.close()


@pytest.fixture(scope="session")
def tester(dut: Dut) -> TesterNode:
    return TesterNode(dut.machine.link, dut.config.tester.mac, dut.config.tester.prefix)


@pytest.fixture
def link_up(dut: Dut) -> int:
    """Restart the DUT's interface so a test sees a fresh link-up; returns the
    recorder index from which the new frames start. Uses the declared console
    command, else a machine reset (a reboot also brings the link up)."""
    command = dut.config.declaration.commands.link_restart
    mark = dut.recorder.mark()
    if command:
        from harness.drivers.console import run_command

        run_command(dut.console, command, LINK_RESTART_TIMEOUT_S)
    else:
        dut.machine.reset()
    return mark


@pytest.fixture(autouse=True)
def _requirement_labels(request: pytest.FixtureRequest) -> None:
    for mark in request.node.iter_markers("requirement"):
        point, *clauses = mark.args
        allure.dynamic.epic(f"{point} {COMPLIANCE_POINTS[point]}")
        allure.dynamic.label("compliance_point", point)
        for clause in clauses:
            allure.dynamic.story(clause)
            allure.dynamic.label("clause", clause)
    declaration = request.config.stash.get(_CONTEXT_KEY, None)
    if declaration is None:
        return
    features = declaration.config.declaration.features
    for mark in request.node.iter_markers("needs_feature"):
        if mark.args[0] not in features:
            pytest.skip(f"DUT does not declare feature {mark.args[0]!r}")
    commands = declaration.config.declaration.commands
    for mark in request.node.iter_markers("needs_command"):
        if getattr(commands, mark.args[0], None) is None:
            pytest.skip(f"DUT declares no {mark.args[0]!r} console command")


_SLICE_START = pytest.StashKey[float]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # The slice starts with setup: fixtures send stimuli (link restart, RA).
    item.stash[_SLICE_START] = time.time()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Attach the test's own slice of the capture and console transcript to
    its result, whatever its outcome."""
    yield
    dut: Dut | None = getattr(item, "funcargs", {}).get("dut")
    if dut is None or _CONTEXT_KEY not in item.config.stash:
        return
    started, ended = item.stash[_SLICE_START], time.time()
    folder = item.config.stash[_CONTEXT_KEY].evidence_dir / "tests" / _safe_name(item.nodeid)
    pcap = write_pcap(folder / "capture.pcap", dut.recorder.frames_between(started, ended))
    allure.attach.file(str(pcap), name="capture.pcap", attachment_type=allure.attachment_type.PCAP)
    if dut.console is not None:
        transcript = dut.console.transcript_between(started, ended)
        (folder / "console.log").write_text(transcript)
        allure.attach(transcript, name="console.log", attachment_type=allure.attachment_type.TEXT)


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
