"""The Machine protocol every DUT host provides, the bench implementation,
and the factory that picks one from the lab config."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Protocol

from harness.config.models import BenchDut
from harness.drivers.console import SerialConsole, opened
from harness.drivers.link import FrameRecorder, Link, RawInterfaceLink
from harness.errors import BootError, ConsoleError, MachineError

POWER_COMMAND_TIMEOUT_S = 30.0


class Machine(Protocol):
    console: SerialConsole | None
    link: Link
    boot_seconds: float | None

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def reset(self) -> None: ...
    def failure(self) -> str | None: ...


class BenchMachine:
    """A physical unit: serial console, a host NIC, optional power commands."""

    def __init__(self, dut: BenchDut, workdir: Path, recorder: FrameRecorder):
        self.dut = dut
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.link = RawInterfaceLink(recorder, dut.interface)
        self.console: SerialConsole | None = None
        self.boot_seconds: float | None = None

    def _power(self, command: list[str]) -> None:
        try:
            subprocess.run(command, check=True, timeout=POWER_COMMAND_TIMEOUT_S, capture_output=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise MachineError(f"power command {command} failed: {exc}") from exc

    def start(self) -> None:
        self.console = SerialConsole(self.dut.serial.url, self.workdir / "console.log", self.dut.serial.baudrate)
        if self.dut.power:
            self.reset()
        else:
            # No power control: the unit is already up; poke it for a prompt.
            self.console.send_line("")
            self._wait_ready()

    def reset(self) -> None:
        if not self.dut.power:
            raise MachineError("bench DUT declares no power control; cannot reset it")
        console = opened(self.console)
        self._power(self.dut.power.power_off)
        console.mark()
        self._power(self.dut.power.power_on)
        self._wait_ready()

    def _wait_ready(self) -> None:
        console = opened(self.console)
        try:
            console.expect(self.dut.ready_pattern, self.dut.boot_timeout_s)
        except ConsoleError as exc:
            raise BootError(f"bench DUT not ready within {self.dut.boot_timeout_s} s: {exc}") from exc

    def failure(self) -> str | None:
        return None  # a bench unit has no process of ours; its console and link report for it

    def stop(self) -> None:
        for closer in (self.link.close, self.console.close if self.console else None):
            if closer:
                try:
                    closer()
                except Exception:
                    pass

