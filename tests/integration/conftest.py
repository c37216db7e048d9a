from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import load_lab_config, write_lab_config
from harness.faultmatrix import with_profile

REPO = Path(__file__).resolve().parents[2]


def lab_config_variant(tmp_path: Path, name: str, profile: str = "conformant", lab_name: str | None = None) -> Path:
    """The default QEMU lab config under a fault profile (and another lab
    name), made through the models and written with absolute paths."""
    variant = with_profile(load_lab_config(REPO / "lab_configs" / "qemu-x86_64.yaml"), profile)
    if lab_name:
        variant = variant.model_copy(update={"lab": variant.lab.model_copy(update={"name": lab_name})})
    return write_lab_config(variant, tmp_path / f"{name}.yaml")


@pytest.fixture
def make_lab_config(tmp_path, refdut_image):
    return lambda name, **changes: lab_config_variant(tmp_path, name, **changes)
