"""Typed errors. Everything here is a lab or harness failure: allure reports
it as `broken`, never as a product non-conformance (see verdict.py)."""

from __future__ import annotations


class HarnessError(Exception):
    """The harness or the lab failed; the DUT is not to blame."""


class ConfigError(HarnessError):
    """A lab config is malformed. Names the file, the line and the key."""

    def __init__(self, path: str, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        out = []
        for line, key, message in self.problems:
            where = f"{self.path}:{line}" if line else self.path
            out.append(f"{where}: {key or '<document>'}: {message}")
        return out


class ConsoleError(HarnessError):
    """The console could not be opened or died."""


class ConsoleTimeout(ConsoleError):
    """A pattern did not appear on the console in time."""

    def __init__(self, pattern: str, timeout: float, tail: str):
        self.pattern = pattern
        self.timeout = timeout
        self.tail = tail
        super().__init__(f"console: no match for {pattern!r} within {timeout:.1f} s; last output:\n{tail}")


class CommandFailed(ConsoleError):
    """A console command the harness relies on exited with a status it does
    not accept: the declared command is broken, the DUT is not judged by it."""

    def __init__(self, command: str, status: int, output: str):
        self.command = command
        self.status = status
        self.output = output
        super().__init__(f"console command {command!r} exited {status}; output:\n{output[-TAIL_OUTPUT_CHARS:]}")


TAIL_OUTPUT_CHARS = 2000


class LinkError(HarnessError):
    """The network link to the DUT could not be opened or died."""


class MachineError(HarnessError):
    """The emulator or the bench could not start, stop or be controlled."""


class BootError(MachineError):
    """The DUT did not reach its ready state."""


class ModemError(HarnessError):
    """The AT channel to the modem could not be opened, died, or answered
    the lab's own setup commands with something that is not TS 27.007 text.
    (Garbage in the answer to a case's command is the module's: an
    ATParseError.)"""


class ModemTimeout(ModemError):
    """No final result code for an AT command, or no URC, in time."""


class ModemCommandError(ModemError):
    """An AT command ended in ERROR or +CME ERROR. Suites that judge the
    module by its answer catch this and turn it into a non-conformance."""

    def __init__(self, command: str, final: str, lines: list[str]):
        self.command = command
        self.final = final
        self.lines = lines
        super().__init__(f"{command} -> {final}" + (f" (after {lines})" if lines else ""))


class InstrumentError(HarnessError):
    """A lab instrument (callbox) did not answer, reported an error in its
    queue, or returned what its driver cannot read."""


class TraceSinkError(HarnessError):
    """The NAS trace sink could not listen, or died (a trace file that does
    not parse is harness.cellular.errors.TraceError)."""
