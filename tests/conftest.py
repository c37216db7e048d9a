from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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
