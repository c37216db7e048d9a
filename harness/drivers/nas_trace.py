"""The NAS trace sink: GSMTAP datagrams a callbox (or the emulated network,
or a diag tool) sends to this host, stamped on the wall clock as they arrive,
decoded, written through to a pcap Wireshark dissects as LTE NAS, and waited
on by suites (a NAS message that matches, with a timeout)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.cellular import gsmtap
from harness.cellular.errors import CellularParseError
from harness.cellular.nas import NasMessage, TraceDecoder
from harness.cellular.trace import GsmtapPcapWriter, write_trace
from harness.errors import TraceSinkError

RECV_POLL_S = 0.2


@dataclass(frozen=True)
class TracedMessage:
    index: int
    time: float
    datagram: bytes
    message: NasMessage | None  # None: not LTE NAS, or not decodable (see `problem`)
    problem: str | None = None
    uplink: bool | None = None  # None: not even the GSMTAP header was readable


class NasTraceRecorder:
    def __init__(self, pcap_path: Path, port: int = 0):
        self.pcap_path = pcap_path
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._socket.bind(("127.0.0.1", port))
        except OSError as exc:
            raise TraceSinkError(f"NAS trace: cannot listen on UDP port {port}: {exc}") from exc
        self._socket.settimeout(RECV_POLL_S)
        self.port = self._socket.getsockname()[1]
        self._writer = GsmtapPcapWriter(pcap_path)
        self._messages: list[TracedMessage] = []
        self._decoder = TraceDecoder()
        self._changed = threading.Condition()
        self._closed = False
        self.failure: str | None = None
        self._thread = threading.Thread(target=self._receive, name="nas trace", daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        """Any error here is the recorder's failure, reported at once: a dead
        reader must never read as a silent trace (every later wait would
        time out into a product failure)."""
        try:
            self._receive_until_closed()
        except Exception as exc:  # noqa: BLE001 - the resource fails, naming the cause
            self._fail(f"NAS trace recorder died: {type(exc).__name__}: {exc}")

    def _receive_until_closed(self) -> None:
        while not self._closed:
            try:
                datagram = self._socket.recv(65535)
            except TimeoutError:
                continue
            except OSError as exc:
                self._fail(f"NAS trace socket died: {exc}")
                return
            moment = time.time()
            message, problem, uplink = None, None, None
            try:
                header, payload = gsmtap.decode(datagram)
                uplink = header.uplink
                if header.type == gsmtap.TYPE_LTE_NAS:
                    message = self._decoder.decode(payload, header.uplink)
            except CellularParseError as exc:
                problem = str(exc)  # kept in the trace, unparsed: the evidence shows what came
            with self._changed:
                try:
                    self._writer.write(datagram, moment)
                except (OSError, ValueError) as exc:
                    self._fail(f"NAS trace {self.pcap_path} cannot be written: {exc}")
                    return
                self._messages.append(TracedMessage(len(self._messages), moment, datagram, message, problem, uplink))
                self._changed.notify_all()

    def _fail(self, reason: str) -> None:
        with self._changed:
            if not self._closed and self.failure is None:
                self.failure = reason
            self._changed.notify_all()

    def check(self) -> None:
        if self.failure is not None:
            raise TraceSinkError(self.failure)

    def mark(self) -> int:
        with self._changed:
            return len(self._messages)

    def messages(self, since: int = 0) -> list[TracedMessage]:
        with self._changed:
            return self._messages[since:]

    def unparsed_uplink(self, since: int = 0) -> list[TracedMessage]:
        """Uplink datagrams at or after `since` that do not decode: the UE's
        malformed NAS, for a check to judge (TS 24.301 9)."""
        with self._changed:
            return [m for m in self._messages[since:] if m.problem is not None and m.uplink]

    def wait_for(self, match: Callable[[NasMessage], bool], timeout: float, since: int = 0) -> TracedMessage | None:
        """The first decoded message at or after `since` that matches, or None
        when the timeout passes (an absence is the caller's to judge)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for traced in self._messages[since:]:
                    if traced.message is not None and match(traced.message):
                        return traced
                since = len(self._messages)
                self.check()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return None
                self._changed.wait(remaining)

    def write_slice(self, path: Path, start: float, end: float) -> Path:
        with self._changed:
            chosen = [(m.time, m.datagram) for m in self._messages if start <= m.time <= end]
        return write_trace(path, chosen)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout=2 * RECV_POLL_S + 1)
        self._socket.close()
        self._writer.close()
