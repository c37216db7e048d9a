"""A labgrid lab on loopback: a real coordinator and exporter, exporting the
reference DUT's console (QEMU's TCP chardev, raw) and link (a TAP the QEMU
NIC is on). A campaign reserves the place by tags, runs part of the IPv6
suite through it, and releases it; with the exporter gone, every test is
broken naming labgrid, none failed, and nothing stays acquired.
Needs root (the TAP) and labgrid (`make` installs the [labgrid] extra)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from harness.config import LabConfig, LabgridDut, load_lab_config, write_lab_config
from harness.evidence.records import read_records

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SUBSET = ["--", "-k", "test_link_up"]
CASES = 5
START_WAIT_S = 30.0
TAGS = {"board": "refdut"}

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None or not (BIN / "labgrid-coordinator").exists(),
    reason="needs root, iproute2 and labgrid (make installs the [labgrid] extra)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(check, what: str) -> None:
    deadline = time.monotonic() + START_WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not ready within {START_WAIT_S} s")
        time.sleep(0.2)  # polling a daemon that has no readiness signal


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _client(coordinator: str, *args: str) -> str:
    return subprocess.run([str(BIN / "labgrid-client"), "-x", coordinator, *args], check=True, capture_output=True, text=True,
                          timeout=30).stdout


@pytest.fixture
def lab(tmp_path, refdut_image):
    """QEMU with the reference DUT on a TAP, a coordinator, an exporter and a tagged place."""
    base = load_lab_config(REPO / "lab_configs" / "qemu-x86_64.yaml")
    tap = f"lgt{uuid.uuid4().hex[:6]}"
    console_port, coordinator_port = _free_port(), _free_port()
    coordinator = f"127.0.0.1:{coordinator_port}"
    processes: dict[str, subprocess.Popen] = {}
    subprocess.run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"], check=True)
    try:
        subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{tap}.disable_ipv6=1"], check=True)
        subprocess.run(["ip", "link", "set", tap, "up"], check=True)
        dut = base.dut
        processes["qemu"] = subprocess.Popen([
            dut.binary, "-machine", dut.machine, "-m", str(dut.memory_mb), "-accel", "tcg", "-nodefaults", "-nographic",
            "-kernel", str(dut.kernel), "-initrd", str(dut.initrd), "-append", f"{dut.console_args} {dut.kernel_args}",
            "-chardev", f"socket,id=con0,host=127.0.0.1,port={console_port},server=on,wait=off", "-serial", "chardev:con0",
            "-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
            "-device", f"{dut.lab_nic.model},netdev=n0,mac={dut.lab_nic.mac},romfile=",
        ], stdout=subprocess.DEVNULL, stderr=(tmp_path / "qemu.log").open("wb"))
        processes["coordinator"] = subprocess.Popen(
            [str(BIN / "labgrid-coordinator"), "-l", coordinator], cwd=tmp_path,
            stdout=(tmp_path / "coordinator.log").open("wb"), stderr=subprocess.STDOUT,
        )
        _wait_until(lambda: _listening(coordinator_port), "coordinator")
        exports = tmp_path / "exporter.yaml"
        exports.write_text(
            "refdut:\n"
            f"  NetworkSerialPort: {{host: 127.0.0.1, port: {console_port}, protocol: raw, speed: 115200}}\n"
            f"  NetworkInterface: {{ifname: {tap}}}\n"
        )
        processes["exporter"] = subprocess.Popen(
            [str(BIN / "labgrid-exporter"), "-c", coordinator, "-n", "exp1", "--hostname", "127.0.0.1", str(exports)],
            cwd=tmp_path, stdout=(tmp_path / "exporter.log").open("wb"), stderr=subprocess.STDOUT,
        )
        _client(coordinator, "-p", "refdut-1", "create")
        _client(coordinator, "-p", "refdut-1", "add-match", "exp1/refdut/*")
        _client(coordinator, "-p", "refdut-1", "set-tags", *(f"{k}={v}" for k, v in TAGS.items()))
        _wait_until(lambda: "exp1/refdut/NetworkSerialPort" in _client(coordinator, "resources"), "exporter")
        config = LabConfig(
            lab=base.lab.model_copy(update={"name": "ci-labgrid"}),
            dut=LabgridDut(kind="labgrid", coordinator=coordinator, tags=TAGS, mac=dut.lab_nic.mac,
                           ready_pattern=base.declaration.commands.prompt, boot_timeout_s=dut.boot_timeout_s,
                           acquire_timeout_s=30),
            declaration=base.declaration, tester=base.tester,
        )
        yield write_lab_config(config, tmp_path / "labgrid.yaml"), coordinator, processes
    finally:
        for process in processes.values():
            process.kill()
            process.wait(10)
        subprocess.run(["ip", "link", "del", tap], capture_output=True)


def campaign(config: Path, reports: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    result = subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(reports), *SUBSET],
        cwd=REPO, capture_output=True, text=True,
    )
    return result, (reports / "latest").resolve()


def test_ipv6_cases_pass_on_a_labgrid_place_and_the_place_is_released(lab, tmp_path):
    config, coordinator, _ = lab
    result, root = campaign(config, tmp_path / "reports")
    verdicts = {r.name: r.status for r in read_records(root / "evidence" / "tests").values()}
    assert len(verdicts) == CASES and set(verdicts.values()) == {"passed"}, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0
    assert (root / "evidence" / "run-1" / "link.pcap").stat().st_size > 24
    place = _client(coordinator, "-p", "refdut-1", "show")
    assert "acquired: None" in place, place
    assert "main" not in _client(coordinator, "reservations"), "the reservation was cancelled"


def test_an_offline_exporter_is_broken_never_failed_and_nothing_stays_acquired(lab, tmp_path):
    config, coordinator, processes = lab
    processes["exporter"].kill()
    processes["exporter"].wait(10)
    result, root = campaign(config, tmp_path / "reports")
    records = read_records(root / "evidence" / "tests")
    assert len(records) == CASES
    assert {r.status for r in records.values()} == {"broken"}, result.stdout[-3000:]
    assert all("labgrid" in r.message for r in records.values()), [r.message for r in records.values()]
    assert result.returncode == 2
    assert "acquired: None" in _client(coordinator, "-p", "refdut-1", "show")
