"""What a report must say about the setup: DUT identity, image hash, harness
and tool versions. Written as allure's environment.properties."""

from __future__ import annotations

import json
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import harness
from harness.config import LabConfig, QemuDut

PACKAGES = ["pytest", "scapy", "pyserial", "pyvisa", "allure-pytest", "pydantic", "netaddr", "qemu.qmp"]


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _tool_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "not found"
    return out.splitlines()[0].strip() if out else "unknown"


def image_manifest(config: LabConfig) -> dict:
    dut = config.dut
    if isinstance(dut, QemuDut) and dut.image_manifest and dut.image_manifest.exists():
        return json.loads(dut.image_manifest.read_text())
    return {}


def campaign_environment(config: LabConfig) -> dict[str, str]:
    image = image_manifest(config)
    env = {
        "lab": config.lab.name,
        "dut.kind": config.dut.kind,
        "dut.manufacturer": config.declaration.manufacturer,
        "dut.model": config.declaration.model,
        "dut.mac": config.dut_mac,
        "harness.version": harness.__version__,
        "python": platform.python_version(),
    }
    if isinstance(config.dut, QemuDut):
        env["dut.kernel_args"] = config.dut.kernel_args
        env["qemu"] = _tool_version([config.dut.binary, "--version"])
    if image:
        env["image.sha256"] = image["image_sha256"]
        env["image.kernel"] = image["kernel_version"]
    env.update({f"pkg.{name}": _package_version(name) for name in PACKAGES})
    return env


def write_allure_environment(results_dir: Path, config: LabConfig) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "environment.properties"
    lines = [f"{key}={value}".replace("\n", " ") for key, value in campaign_environment(config).items()]
    path.write_text("\n".join(lines) + "\n")
    return path
