from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def lab_config_variant(tmp_path: Path, name: str, **replacements: str) -> Path:
    """The default QEMU lab config with paths made absolute and some text replaced."""
    text = (REPO / "lab_configs" / "qemu-x86_64.yaml").read_text()
    text = text.replace("../build/refdut", str(REPO / "build" / "refdut"))
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def make_lab_config(tmp_path, refdut_image):
    return lambda name, **replacements: lab_config_variant(tmp_path, name, **replacements)
