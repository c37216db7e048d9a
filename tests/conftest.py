from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# `make test` runs two pytest-xdist workers: the fault matrix on one, at a low
# CPU priority, filling what the other leaves idle; everything else on the
# other, one test at a time as always (tests that start labs, mount disks or
# open fixed interfaces never meet each other), at full priority, so its
# timing (an nmap scan, protocol timers) is what it would be alone. The two
# streams are picked by node id here: xdist's own grouping (xdist_group)
# rewrites a node id, which pytest 9 no longer lets it change.
OWN_WORKER = ("tests/integration/test_campaign_verdicts.py::test_fault_matrix_",)


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class TwoStreams(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((prefix for prefix in OWN_WORKER if nodeid.startswith(prefix)), "one-at-a-time")

    return TwoStreams(config, log)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def refdut_image() -> Path:
    """The reference DUT image, built (or found up to date) by its recipe."""
    result = subprocess.run([sys.executable, str(REPO / "fixtures/refdut/build.py")], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"reference DUT image build failed:\n{result.stdout}\n{result.stderr}")
    return REPO / "build" / "refdut"
