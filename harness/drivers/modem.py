"""The AT channel to a cellular module (TS 27.007 / V.250) over any pyserial
URL. A reader thread splits the port into lines, stamps them on the wall
clock, writes both directions to the AT transcript, and sorts each line: the
echo of the pending command, its information lines, its final result code,
or an unsolicited result code (URC) - which goes to the URC list even when
it arrives in the middle of a response. Every wait is bounded."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import serial

from harness.drivers.at_dialects import GENERIC, ATDialect
from harness.drivers.console import printable, stamp
from harness.drivers.port_reader import PortReader
from harness.drivers.received import BoundedLog
from harness.cellular.errors import ATParseError
from harness.errors import ModemCommandError, ModemError, ModemTimeout

# V.250 information lines are short; the longest common ones (an SMS PDU,
# +COPS=? lists) stay under 2 kB. A longer line is garbage, cut there.
MAX_LINE_BYTES = 4096
HISTORY_LINES = 100_000  # kept in memory; the transcript file keeps everything
LINE_ENDS = re.compile(rb"\r\n|\r|\n")

COMMAND_TIMEOUT_S = 5.0  # a module answers a local command at once; network ones pass their own
FINAL_OK = re.compile(r"^(OK|CONNECT( .*)?)$")
FINAL_ERROR = re.compile(r"^(ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|\+CME ERROR: ?.*|\+CMS ERROR: ?.*)$")


class Modem(Protocol):
    def command(self, text: str, timeout: float = COMMAND_TIMEOUT_S) -> "ATResponse": ...
    def wait_urc(self, match: Callable[[str], bool], timeout: float, since: int = 0) -> "ATLine": ...
    def urc_mark(self) -> int: ...
    def transcript_between(self, start: float, end: float) -> str: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ATLine:
    time: float
    direction: str  # ">" to the module, "<" from it
    text: str


@dataclass(frozen=True)
class ATResponse:
    command: str
    lines: list[str]  # information lines, echo and URCs removed
    final: str
    sent: float
    finished: float

    def with_prefix(self, prefix: str) -> list[str]:
        return [line for line in self.lines if line.startswith(prefix)]


@dataclass
class _Pending:
    command: str
    prefix: str | None
    lines: list[str]
    final: str | None = None
    error: ATParseError | None = None  # the answer carried something that is not TS 27.007 text


def response_prefix(command: str) -> str | None:
    """'AT+CGSN' -> '+CGSN', 'AT+CEREG?' -> '+CEREG'; None for basic commands."""
    found = re.match(r"^AT([+*$%^&][A-Z0-9]+)", command.upper())
    return found.group(1) if found else None


class ATChannel(PortReader):
    _error = ModemError

    def __init__(self, url: str, transcript_path: Path, *, baudrate: int = 115200, dialect: ATDialect = GENERIC):
        self._open(url, baudrate, "AT port")
        self.dialect = dialect
        self._buffer = bytearray()  # the line being received
        self._overlong = False  # the line being received passed MAX_LINE_BYTES: dropped to its end
        self._lines: BoundedLog[ATLine] = BoundedLog(HISTORY_LINES)
        self._urcs: BoundedLog[ATLine] = BoundedLog(HISTORY_LINES)
        self._pending: _Pending | None = None
        self._command_lock = threading.Lock()
        self._start(transcript_path, f"AT {url}")

    def _record(self, direction: str, text: str, moment: float) -> ATLine:
        line = ATLine(moment, direction, printable(text))
        self._lines.append(line)
        self._transcript.write(f"{stamp(moment)} {direction} {line.text}\n")
        return line

    def _absorb(self, data: bytes, moment: float) -> None:
        with self._changed:
            *complete, rest = LINE_ENDS.split(data)  # only the new bytes are split: linear however lines arrive
            for piece in complete:
                self._take(piece, moment)
                if self._buffer:
                    self._sort(bytes(self._buffer), moment)
                self._buffer.clear()
                self._overlong = False
            self._take(rest, moment)
            self._transcript.flush()
            self._changed.notify_all()

    def _take(self, piece: bytes, moment: float) -> None:
        """Part of a line; past MAX_LINE_BYTES the line is sorted as garbage and the rest of it dropped."""
        if self._overlong:
            return
        self._buffer += piece
        if len(self._buffer) > MAX_LINE_BYTES:
            self._sort(bytes(self._buffer[:MAX_LINE_BYTES]), moment, overlong=True)
            self._buffer.clear()
            self._overlong = True

    def _sort(self, raw: bytes, moment: float, overlong: bool = False) -> None:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        line = self._record("<", text + (" [line continues]" if overlong else ""), moment)
        pending = self._pending
        if overlong or not text.isprintable():
            what = f"a line longer than {MAX_LINE_BYTES} bytes" if overlong else "garbage on the line"
            error = ATParseError((pending.prefix or pending.command) if pending is not None else "(no command)",
                                 line.text, what)
            if pending is not None and pending.error is None:
                pending.error = error
            return
        if pending is None or pending.final is not None:
            self._urcs.append(line)
        elif text.strip() == pending.command:
            return  # the echo (ATE1)
        elif FINAL_OK.match(text) or FINAL_ERROR.match(text):
            pending.final = text
        elif self._unsolicited(text, pending):
            self._urcs.append(line)
        else:
            pending.lines.append(text)

    def _unsolicited(self, text: str, pending: _Pending) -> bool:
        if pending.prefix and text.startswith(pending.prefix + ":"):
            # +CEREG's read response and its URC share the prefix: the read form starts with <n>.
            if pending.prefix == "+CEREG" and pending.command.upper().endswith("?"):
                fields = text.split(":", 1)[1].split(",")
                return len(fields) < 2 or not fields[1].strip().isdigit()
            return False
        if text.startswith("+CEREG:"):
            return True
        return text.startswith(self.dialect.urc_prefixes)

    @property
    def failure(self) -> str | None:
        with self._changed:
            return None if self._failure is None else f"AT port {self.url} died: {self._failure}"

    def _check(self) -> None:
        if self._failure is not None:
            raise ModemError(f"AT port {self.url} died: {self._failure}; last lines:\n{self.tail()}")

    # -- commands --------------------------------------------------------
    def command(self, text: str, timeout: float = COMMAND_TIMEOUT_S) -> ATResponse:
        """Send one command and wait for its final result code. ERROR and
        +CME ERROR raise ModemCommandError; no final result in time raises
        ModemTimeout with the partial line, if any."""
        with self._command_lock:
            with self._changed:
                self._check()
                pending = self._pending = _Pending(text, response_prefix(text), [])
                sent = time.time()
                self._record(">", text, sent)
                self._transcript.flush()
            try:
                self._port.write(text.encode("ascii") + b"\r")
            except (serial.SerialException, OSError) as exc:
                raise ModemError(f"AT port {self.url}: write failed: {exc}") from exc
            deadline = time.monotonic() + timeout
            with self._changed:
                try:
                    # After garbage the command still waits for its final result
                    # code, so that the next command does not take it for its own.
                    while pending.final is None:
                        self._check()
                        remaining = deadline - time.monotonic()
                        if remaining <= 0 or self._closed:
                            if pending.error is not None:
                                raise pending.error
                            partial = printable(self._buffer[:200].decode("latin-1"))
                            cut = f"; a cut line was pending: {partial!r}" if partial else ""
                            raise ModemTimeout(f"{text}: no final result code within {timeout:.1f} s{cut}")
                        self._changed.wait(remaining)
                    if pending.error is not None:
                        raise pending.error
                finally:
                    self._pending = None
            response = ATResponse(text, pending.lines, pending.final, sent, time.time())
        if FINAL_ERROR.match(response.final):
            raise ModemCommandError(text, response.final, response.lines)
        return response

    def setup(self) -> None:
        """Bring the port to the dialect's known state (echo off, numeric
        errors). These are the lab's handshake: an answer to them that is
        not TS 27.007 text says the port is wrong (its baud rate, the
        wrong device), not the module - a lab error."""
        for text in self.dialect.setup:
            try:
                self.command(text)
            except ATParseError as exc:
                raise ModemError(f"AT port {self.url} carries no TS 27.007 text in answer to the lab's {text} "
                                 f"(check the port and its baud rate): {exc}") from exc

    # -- URCs ------------------------------------------------------------
    def urc_mark(self) -> int:
        with self._changed:
            return self._urcs.end

    def urcs(self, since: int = 0) -> list[ATLine]:
        with self._changed:
            return self._urcs.since(since)

    def wait_urc(self, match: Callable[[str], bool], timeout: float, since: int = 0) -> ATLine:
        """The first URC at or after index `since` whose text matches."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._urcs.since(since):
                    if match(line.text):
                        return line
                since = self._urcs.end
                self._check()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise ModemTimeout(f"no matching URC within {timeout:.1f} s")
                self._changed.wait(remaining)

    # -- evidence ----------------------------------------------------------
    def transcript_between(self, start: float, end: float) -> str:
        with self._changed:
            lines = [line for line in self._lines if start <= line.time <= end]
        return "".join(f"{stamp(line.time)} {line.direction} {line.text}\n" for line in lines)

    def tail(self, lines: int = 20) -> str:
        return "\n".join(f"{line.direction} {line.text}" for line in self._lines.last(lines))
