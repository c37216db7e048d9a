"""Per-test evidence from the lab's streams. A resource that records a
stream (the DUT's link and console, the cellular lab's AT port, SCPI log and
NAS trace, a future domain's own) registers itself in the campaign under the
fixture name that hands it out; after each test that used that fixture, the
collector asks it for the test's slice. The collector knows no stream by name."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import allure


class SliceSource(Protocol):
    def write_slices(self, folder: Path, started: float, ended: float) -> list[Path]:
        """Write this stream's share of [started, ended] into `folder`
        (atomically, harness.evidence.atomic) and name the files written."""


def attachment_type(path: Path) -> allure.attachment_type:
    return allure.attachment_type.PCAP if path.suffix == ".pcap" else allure.attachment_type.TEXT
