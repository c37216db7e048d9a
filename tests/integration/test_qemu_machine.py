"""The QEMU machine driver against the real reference DUT image."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from harness.config import load_lab_config
from harness.drivers.console import run_command
from harness.drivers.link import FrameRecorder
from harness.drivers.qemu import QemuMachine
from harness.errors import BootError, ConfigError, ConsoleError, HarnessError
from harness.ipv6.timers import DAD_PROBE_WAIT_S, LINK_UP_ALLOWANCE_S

PROCESS_EXIT_WAIT_S = 15.0


def _gone(pid: int) -> bool:
    """True once the process has exited (or is a zombie nobody reaps)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def wait_gone(pid: int, timeout: float = PROCESS_EXIT_WAIT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)  # polling /proc: there is no exit event for a non-child
    return _gone(pid)


@pytest.fixture
def machine(tmp_path, make_lab_config):
    config = load_lab_config(make_lab_config("conformant"))
    recorder = FrameRecorder(tmp_path / "link.pcap")
    qemu = QemuMachine(config.dut, tmp_path / "run", recorder)
    yield qemu
    qemu.stop()
    recorder.close()


def test_boots_to_ready_and_answers_console_commands(machine):
    machine.start()
    assert machine.boot_seconds is not None and machine.boot_seconds > 0
    info = run_command(machine.console, "devinfo", timeout=30)
    assert info.exit_status == 0
    fields = dict(line.split("=", 1) for line in info.output.splitlines() if "=" in line)
    assert fields["profile"] == "conformant"
    assert fields["mac"] == "52:54:00:12:34:56"
    # Evidence streams stay apart: the console transcript has the guest, the
    # stderr log has QEMU, and the command line is there to rerun by hand.
    assert "refdut: ready" in (machine.workdir / "console.log").read_text()
    assert "refdut: ready" not in machine.stderr_log.read_text()
    assert "qemu-system" in (machine.workdir / "qemu-cmdline.sh").read_text()


def test_link_down_through_qmp_cuts_the_wire(machine):
    """With the link down no frame crosses; back up, the DUT's link-up
    traffic (DAD, RS, MLD) reaches the recorder again."""
    machine.start()
    recorder = machine.link.recorder
    restart = "ip link set eth0 down; ip link set eth0 up"
    machine.set_link(False)
    mark = recorder.mark()
    run_command(machine.console, restart, timeout=30)
    assert recorder.wait_for(lambda p: True, timeout=LINK_UP_ALLOWANCE_S, since=mark) is None
    machine.set_link(True)
    mark = recorder.mark()
    run_command(machine.console, restart, timeout=30)
    assert recorder.wait_for(lambda p: True, timeout=DAD_PROBE_WAIT_S, since=mark) is not None


def test_a_console_wait_ends_at_once_when_the_link_dies(machine):
    """A command waiting on the console (for traffic that will never come)
    is told the link died, instead of waiting for the command's end."""
    machine.start()
    machine.link._sock.close()  # as the chaos test's close-link fault does
    with pytest.raises(ConsoleError, match="died"):
        run_command(machine.console, "sleep 20", timeout=30)  # without the check: returns after 20 s


def test_reset_reboots_to_ready(machine):
    machine.start()
    run_command(machine.console, "echo marker-before-reset", timeout=30)
    machine.reset()
    assert run_command(machine.console, "cat /run/profile", timeout=30).output.strip() == "conformant"


def test_stop_leaves_no_qemu_process(machine):
    machine.start()
    pid = machine.pid
    machine.stop()
    assert wait_gone(pid)
    machine.stop()  # twice is harmless


def test_unknown_fault_profile_is_a_boot_error_with_the_console_tail(tmp_path, make_lab_config):
    config = load_lab_config(make_lab_config("bad-profile", profile="nonsense"))
    qemu = QemuMachine(config.dut, tmp_path / "run", FrameRecorder(tmp_path / "l.pcap"))
    try:
        with pytest.raises(BootError) as caught:
            qemu.start()
        assert "FATAL unknown fault profile 'nonsense'" in str(caught.value)
    finally:
        qemu.stop()


def test_missing_kernel_is_a_lab_error_naming_it(tmp_path, make_lab_config):
    """Caught by the config check at load; a kernel gone after that is still a
    lab error naming it when QEMU starts."""
    path = make_lab_config("no-kernel")
    path.write_text(path.read_text().replace("/vmlinux\n", "/vmlinux-missing\n"))
    with pytest.raises(ConfigError, match=r"dut\.kernel: .*no such file: .*vmlinux-missing"):
        load_lab_config(path)
    config = load_lab_config(make_lab_config("kernel-gone"))
    dut = config.dut.model_copy(update={"kernel": config.dut.kernel.with_name("vmlinux-missing")})
    qemu = QemuMachine(dut, tmp_path / "run", FrameRecorder(tmp_path / "l.pcap"))
    try:
        with pytest.raises(HarnessError) as caught:
            qemu.start()
        assert "vmlinux-missing" in str(caught.value)
    finally:
        qemu.stop()


# Ctrl-C as in a terminal: a harness started in the background by a
# non-interactive shell (a CI job) inherits SIGINT ignored, and Python then
# never raises KeyboardInterrupt.
KILLED_HARNESS = """
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
import sys
from pathlib import Path
from harness.config import load_lab_config
from harness.drivers.link import FrameRecorder
from harness.drivers.qemu import QemuMachine
work = Path(sys.argv[2])
machine = QemuMachine(load_lab_config(sys.argv[1]).dut, work, FrameRecorder(work / "l.pcap"))
machine.start()
print(machine.pid, flush=True)
sys.stdin.read()  # wait to be killed
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_no_orphaned_qemu_when_the_harness_dies(tmp_path, make_lab_config, sig):
    harness_process = subprocess.Popen(
        [sys.executable, "-c", KILLED_HARNESS, str(make_lab_config("killed")), str(tmp_path / "run")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        qemu_pid = int(harness_process.stdout.readline())
        assert not _gone(qemu_pid)
        harness_process.send_signal(sig)
        harness_process.wait(PROCESS_EXIT_WAIT_S)
        assert wait_gone(qemu_pid), "QEMU outlived the harness"
    finally:
        harness_process.kill()
