"""Expect-style console over any pyserial URL (a tty, socket://, rfc2217://,
loop://), with a timestamped transcript. Every wait is bounded."""

from __future__ import annotations

import codecs
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Container, Protocol

import serial

from harness.drivers.port_reader import PortReader
from harness.drivers.received import BoundedLog, Found, TextStream
from harness.errors import CommandFailed, ConsoleError, ConsoleTimeout

TAIL_CHARS = 2000
# What the console keeps in memory (the transcript file keeps everything):
# a boot log is about 100 kB; a line without an end is cut into pieces.
HISTORY_CHARS = 8 * 1024 * 1024
HISTORY_LINES = 200_000
MAX_LINE_CHARS = 16 * 1024
SHELL_STATUS_DIGITS = 3  # a shell's $? is 0 to 255
# How often a wait asks whether the machine behind the console died another
# way (its network link): a command waiting for traffic that can no longer
# come ends then, not at its timeout.
MACHINE_CHECK_S = 0.1


class Console(Protocol):
    def expect(self, pattern: str, timeout: float) -> Found: ...
    def send_line(self, text: str) -> None: ...
    def mark(self) -> int: ...
    def transcript_between(self, start: float, end: float) -> str: ...
    def tail(self, chars: int = TAIL_CHARS) -> str: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class TranscriptLine:
    time: float
    text: str


def printable(text: str) -> str:
    """Escape control characters (garbage, ANSI sequences) so the transcript
    stays one readable line per console line."""
    return "".join(ch if ch.isprintable() or ch == "\t" else f"\\x{ord(ch):02x}" for ch in text)


def stamp(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1000):03d}Z"


class SerialConsole(PortReader):
    """A console on a pyserial URL. A reader thread drains the port into a
    decoded buffer and the transcript, so nothing is lost between expects.
    pyserial's open() discards input already pending (reset_input_buffer),
    so a DUT must not start talking before this returns: QEMU starts paused."""

    _error = ConsoleError

    def __init__(self, url: str, transcript_path: Path, baudrate: int = 115200,
                 machine_failure: Callable[[], str | None] | None = None):
        self._machine_failure = machine_failure
        self.completion = POSIX_SHELL  # how declared commands end: the lab's declaration may say otherwise
        self._open(url, baudrate, "console")
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._text = TextStream(HISTORY_CHARS)
        self._cursor = 0
        self._partial: list[str] = []  # the line being received, in pieces
        self._partial_chars = 0
        self._lines: BoundedLog[TranscriptLine] = BoundedLog(HISTORY_LINES)
        self._start(transcript_path, f"console {url}")

    def _absorb(self, data: bytes, moment: float) -> None:
        text = self._decoder.decode(data)
        with self._changed:
            self._text.append(text)
            *complete, rest = text.split("\n")  # only the new text is split: linear however lines arrive
            for piece in complete:
                self._end_line(self._cut_pieces("".join(self._partial) + piece, moment), moment)
                self._partial, self._partial_chars = [], 0
            if rest:
                self._partial.append(rest)
                self._partial_chars += len(rest)
                if self._partial_chars > MAX_LINE_CHARS:
                    remainder = self._cut_pieces("".join(self._partial), moment)
                    self._partial, self._partial_chars = [remainder], len(remainder)
            self._transcript.flush()
            self._changed.notify_all()

    def _cut_pieces(self, raw: str, moment: float) -> str:
        """Record a line without an end in pieces of MAX_LINE_CHARS; return what is left."""
        while len(raw) > MAX_LINE_CHARS:
            self._end_line(raw[:MAX_LINE_CHARS] + " [line continues]", moment)
            raw = raw[MAX_LINE_CHARS:]
        return raw

    def _end_line(self, raw: str, moment: float) -> None:
        line = TranscriptLine(moment, printable(raw.rstrip("\r")))
        self._lines.append(line)
        self._transcript.write(f"{stamp(moment)} {line.text}\n")

    @property
    def failure(self) -> str | None:
        """Why the console died, or None while it lives."""
        with self._changed:
            return None if self._failure is None else f"console {self.url} died: {self._failure}"

    # -- the Console protocol ----------------------------------------------
    def expect(self, pattern: str, timeout: float) -> Found:
        """Wait for `pattern` in output not yet consumed; consume up to its end.
        Each wake searches only what arrived since the last (and a bounded
        overlap), so a long output without the pattern costs linear time."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            searched_to = self._cursor
            while True:
                match = self._text.search(regex, self._cursor, searched_to)
                searched_to = self._text.end
                if match:
                    self._cursor = match.end
                    return match
                if self._failure is not None:
                    raise ConsoleError(f"console {self.url} died: {self._failure}; last output:\n{self.tail()}")
                machine_failure = self._machine_failure() if self._machine_failure else None
                if machine_failure:
                    raise ConsoleError(f"console {self.url}: the machine failed while waiting: {machine_failure}; "
                                       f"last output:\n{self.tail()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise ConsoleTimeout(pattern, timeout, self.tail())
                self._changed.wait(min(remaining, MACHINE_CHECK_S) if self._machine_failure else remaining)

    def send_line(self, text: str) -> None:
        self.write(text.encode() + b"\n")

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise ConsoleError(f"console {self.url}: write failed: {exc}") from exc

    def mark(self) -> int:
        """Skip everything received so far; later expects see only new output."""
        with self._changed:
            self._cursor = self._text.end
            return self._cursor

    def text_from(self, start: int, end: int | None = None) -> str:
        """Output between two offsets (what is still kept of it)."""
        with self._changed:
            return self._text.read(start, end)

    def transcript_between(self, start: float, end: float) -> str:
        with self._changed:
            lines = [line for line in self._lines if start <= line.time <= end]
            if self._partial and start <= time.time():
                pending = printable("".join(self._partial))
            else:
                pending = ""
        body = "".join(f"{stamp(line.time)} {line.text}\n" for line in lines)
        return body + (f"{stamp(end)} {pending}\n" if pending else "")

    def tail(self, chars: int = TAIL_CHARS) -> str:
        with self._changed:
            return _printable_block(self._text.read(self._text.end - chars))


def opened(console: SerialConsole | None) -> SerialConsole:
    """The console of a started machine; asking before start is a harness bug."""
    if console is None:
        raise ConsoleError("console not open: the DUT has not been started")
    return console


def _printable_block(text: str) -> str:
    return "\n".join(printable(line.rstrip("\r")) for line in text.split("\n"))


@dataclass(frozen=True)
class CommandResult:
    command: str
    output: str
    exit_status: int


_command_counter = iter(range(1, 1 << 62))


@dataclass(frozen=True)
class Completion:
    """How a declared command's end and success are read off the console.
    No prompt: a POSIX shell, whose exit status an echoed marker carries.
    A prompt: the command has ended when the prompt is back, and it
    succeeded if its output matches `success` (any output, if none is
    declared) - for consoles that are no POSIX shell."""

    prompt: str | None = None
    success: str | None = None

    @classmethod
    def declared(cls, commands) -> "Completion":
        if commands.completion == "exit-status":
            return cls()
        return cls(commands.prompt, commands.success)


POSIX_SHELL = Completion()
STATUS_SUCCEEDED, STATUS_FAILED = 0, 1  # what a prompt-completed command's success pattern stands for


def run_command(console: SerialConsole, command: str, timeout: float, accept: Container[int] = (0,)) -> CommandResult:
    """Run a declared command on the console and return its output and exit
    status; a status not in `accept` raises CommandFailed with the output.
    How the command's end and status are read is the console's completion
    (the lab's declaration): the POSIX exit-status marker by default."""
    if console.completion.prompt is None:
        result = _run_in_posix_shell(console, command, timeout)
    else:
        result = _run_until_prompt(console, command, timeout, console.completion)
    if result.exit_status not in accept:
        raise CommandFailed(command, result.exit_status, result.output)
    return result


def _run_in_posix_shell(console: SerialConsole, command: str, timeout: float) -> CommandResult:
    """A unique end marker is echoed after the command, so the prompt need
    not be known. Output starts after the last echo of the typed line: a line
    typed before the shell prompts is echoed twice (tty, then shell)."""
    marker = f"__HARNESS_END_{next(_command_counter)}__"
    start = console.mark()
    typed = f"{command}; echo {marker} $?"
    console.send_line(typed)
    # The echoed line reads "... MARKER $?"; only the real output has digits.
    done = console.expect(re.escape(marker) + r" ([0-9]+)\r?\n", timeout)
    status = done.group(1) or ""
    if len(status) > SHELL_STATUS_DIGITS:
        raise ConsoleError(f"console {console.url}: {command!r} ended with status {status[:20]}... "
                           f"({len(status)} digits): not a shell's exit status")
    window = console.text_from(start, done.start)
    echoes = list(re.finditer(re.escape(f"echo {marker} $?") + r"\r?\n", window))
    output = window[echoes[-1].end():] if echoes else window
    return CommandResult(command, output.replace("\r\n", "\n"), int(status))


def _run_until_prompt(console: SerialConsole, command: str, timeout: float, completion: Completion) -> CommandResult:
    """The command has ended when the declared prompt follows its echo; its
    output is what came between, and the success pattern decides its status."""
    deadline = time.monotonic() + timeout
    console.mark()  # what came before the command is not its output
    console.send_line(command)
    echo = console.expect(re.escape(command) + r"\r?\n", timeout)
    done = console.expect(completion.prompt, max(0.0, deadline - time.monotonic()))
    output = console.text_from(echo.end, done.start).replace("\r\n", "\n")
    succeeded = completion.success is None or re.search(completion.success, output) is not None
    return CommandResult(command, output, STATUS_SUCCEEDED if succeeded else STATUS_FAILED)


DEVICE_INFO_TIMEOUT_S = 30.0  # a lab allowance: the declared device-info command prints a few lines


def device_info(console: SerialConsole, command: str) -> dict[str, str]:
    """What the declared device-info command prints: one key=value per line."""
    output = run_command(console, command, DEVICE_INFO_TIMEOUT_S).output
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
