"""What one pytest session of a campaign shares: the lab config, where the
evidence goes, and the DUT handed to tests. Used by the plugin's fixtures
and by the evidence collector."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from harness.config import LabConfig
from harness.drivers.link import FrameRecorder
from harness.drivers.machine import Machine
from harness.drivers.qemu import CellularWiring
from harness.evidence.atomic import write_atomically, write_text_atomically
from harness.evidence.slices import SliceSource
from harness.values.frames import write_pcap


@dataclass
class CampaignContext:
    config: LabConfig
    config_path: Path
    evidence_dir: Path  # the campaign's evidence folder: tests/ and one run-N/ per session

    @property
    def tests_dir(self) -> Path:
        return self.evidence_dir / "tests"

    worker: str | None = None  # the pytest-xdist worker (one per DUT instance), if any
    # Where the emulated cellular module and network wait for a QEMU unit, while that lab is open.
    cellular_wiring: CellularWiring | None = None
    dut: Dut | None = None  # the session's DUT, while booted (revived before each test that needs it)
    # Recorded streams by the fixture that hands them out; the collector slices them per test.
    slice_sources: dict[str, SliceSource] = field(default_factory=dict)

    @property
    def _worker_suffix(self) -> str:
        """What keeps one instance's files apart from another's: -gwK, or nothing."""
        return f"-{self.worker}" if self.worker else ""

    def unit_store(self) -> Path:
        """The DUT unit's persistent store (its keys): kept across its boots
        and a resumed campaign, outside the evidence (it holds private keys)."""
        return self.evidence_dir.parent / "units" / f"unit{self._worker_suffix}-store.img"

    def lab_secrets(self, name: str) -> Path:
        """A folder for the lab's own keys (a TLS service's), per instance,
        outside the evidence."""
        return self.evidence_dir.parent / "lab" / f"{name}{self._worker_suffix}"

    def suite_evidence(self, suite: str) -> Path:
        """A suite's campaign-wide evidence folder (scan reports, HTTP journal), per instance."""
        return self.evidence_dir / f"{suite}{self._worker_suffix}"

    def new_run_dir(self) -> Path:
        """Session-wide evidence (full capture, console, QEMU logs) of one
        boot: run-1, run-2, ... (a resumed campaign or a revived DUT adds
        one); with several instances, run-N-gwK per worker."""
        number = 1
        while True:
            path = self.evidence_dir / f"run-{number}{self._worker_suffix}"
            try:
                path.mkdir(parents=True)
                return path
            except FileExistsError:
                number += 1


CONTEXT_KEY = pytest.StashKey[CampaignContext]()


@dataclass
class Dut:
    """What a test gets: the config, the machine and its console and link.
    A DUT whose resources died is revived between tests: a new machine and
    recorder, a new generation; state derived from the old one is stale."""

    config: LabConfig
    machine: Machine
    recorder: FrameRecorder
    generation: int = 1
    link_restarts: int = 0  # within this generation: each one drops what the unit learned from routers
    lost: str | None = None  # why the DUT must be brought back (before the next test), until it is
    _revived_listeners: list[Callable[[], None]] = field(default_factory=list)

    def failure(self) -> str | None:
        """Why this DUT cannot serve the next test, or None."""
        if self.lost is not None:
            return self.lost
        if self.recorder.failure is not None:
            return str(self.recorder.failure)
        console = self.machine.console
        if console is not None and console.failure is not None:
            return console.failure
        return self.machine.failure()

    def on_revived(self, listener: Callable[[], None]) -> None:
        self._revived_listeners.append(listener)

    @property
    def epoch(self) -> tuple[int, int]:
        """Changes whenever the unit's learned state is gone (a reboot, a
        revival, a link restart): state derived before is stale."""
        return self.generation, self.link_restarts

    def reboot(self) -> None:
        """Power-cycle the unit: what it learned is gone, so state derived
        from its last boot is stale too (a new generation)."""
        self.machine.reset()
        self.generation += 1

    def revived(self, machine: Machine, recorder: FrameRecorder) -> None:
        self.machine, self.recorder, self.lost = machine, recorder, None
        self.generation += 1
        for listener in self._revived_listeners:
            listener()

    def write_slices(self, folder: Path, started: float, ended: float) -> list[Path]:
        """A test's share of the link capture and the console transcript."""
        frames = self.recorder.frames_between(started, ended)
        written = [write_atomically(folder / "capture.pcap", lambda temporary: write_pcap(temporary, frames))]
        if self.console is not None:
            transcript = self.console.transcript_between(started, ended)
            written.append(write_text_atomically(folder / "console.log", transcript))
        return written

    @property
    def mac(self) -> str:
        return self.config.dut_mac

    @property
    def console(self):
        return self.machine.console
