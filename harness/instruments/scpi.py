"""A SCPI instrument session through pyvisa: the resource string comes from
the lab config, `*IDN?` is recorded, the error queue is drained after every
configuring command and turned into a typed error, every call is bounded by
the session timeout, and both directions go to a timestamped SCPI log. A
dead or silent instrument is InstrumentError (broken), never a verdict."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyvisa

from harness.drivers.console import stamp
from harness.errors import InstrumentError

ERROR_QUEUE_LIMIT = 32  # an instrument's queue holds fewer; more means a loop


@dataclass(frozen=True)
class ScpiLine:
    time: float
    direction: str  # ">" to the instrument, "<" from it
    text: str


class ScpiInstrument:
    def __init__(self, resource: str, log_path: Path, *, timeout_s: float = 5.0, backend: str = "@py"):
        self.resource = resource
        self._lines: list[ScpiLine] = []
        self._lock = threading.Lock()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._log = log_path.open("a", encoding="utf-8")
        try:
            self._manager = pyvisa.ResourceManager(backend)
            self._session = self._manager.open_resource(resource, open_timeout=int(timeout_s * 1000))
        except Exception as exc:  # pyvisa raises VisaIOError, OSError, ValueError by backend
            self._log.close()
            raise InstrumentError(f"instrument {resource}: cannot open: {exc}") from exc
        self._session.timeout = int(timeout_s * 1000)
        self._session.read_termination = "\n"
        self._session.write_termination = "\n"
        self.identity = self.query("*IDN?")

    def _record(self, direction: str, text: str) -> None:
        line = ScpiLine(time.time(), direction, text)
        self._lines.append(line)
        self._log.write(f"{stamp(line.time)} {direction} {text}\n")
        self._log.flush()

    def query(self, command: str) -> str:
        with self._lock:
            self._record(">", command)
            try:
                answer = self._session.query(command).strip()
            except Exception as exc:
                self._record("!", f"{type(exc).__name__}: {exc}")
                raise InstrumentError(f"instrument {self.resource}: {command!r} got no answer: {exc}") from exc
            self._record("<", answer)
            return answer

    def write(self, command: str) -> None:
        """Send a configuring command, then drain the error queue: any entry
        is an InstrumentError naming the command."""
        with self._lock:
            self._record(">", command)
            try:
                self._session.write(command)
            except Exception as exc:
                self._record("!", f"{type(exc).__name__}: {exc}")
                raise InstrumentError(f"instrument {self.resource}: {command!r} not sent: {exc}") from exc
        errors = self.drain_errors()
        if errors:
            raise InstrumentError(f"instrument {self.resource} rejected {command!r}: {'; '.join(errors)}")

    def drain_errors(self) -> list[str]:
        errors = []
        for _ in range(ERROR_QUEUE_LIMIT):
            entry = self.query("SYSTem:ERRor?")
            code = entry.split(",", 1)[0].strip()
            if code in ("0", "+0"):
                return errors
            errors.append(entry)
        raise InstrumentError(f"instrument {self.resource}: error queue did not empty after {ERROR_QUEUE_LIMIT} reads")

    def log_between(self, start: float, end: float) -> str:
        with self._lock:
            lines = [line for line in self._lines if start <= line.time <= end]
        return "".join(f"{stamp(line.time)} {line.direction} {line.text}\n" for line in lines)

    def close(self) -> None:
        try:
            self._session.close()
            self._manager.close()
        except Exception:  # noqa: BLE001 - closing a dead session must not hide the first error
            pass
        finally:
            self._log.close()
