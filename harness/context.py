"""What one pytest session of a campaign shares: the lab config, where the
evidence goes, and the DUT handed to tests. Used by the plugin's fixtures
and by the evidence collector."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.config import LabConfig
from harness.drivers.link import FrameRecorder
from harness.drivers.machine import Machine


@dataclass
class CampaignContext:
    config: LabConfig
    config_path: Path
    evidence_dir: Path  # the campaign's evidence folder: tests/ and one run-N/ per session

    @property
    def tests_dir(self) -> Path:
        return self.evidence_dir / "tests"

    def new_run_dir(self) -> Path:
        """Session-wide evidence (full capture, console, QEMU logs) of this
        pytest session; a resumed campaign adds run-2, run-3, ..."""
        number = 1
        while (self.evidence_dir / f"run-{number}").exists():
            number += 1
        path = self.evidence_dir / f"run-{number}"
        path.mkdir(parents=True)
        return path


CONTEXT_KEY = pytest.StashKey[CampaignContext]()


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
