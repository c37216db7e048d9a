"""What the console and the AT channel share: a pyserial port opened from a
URL, a thread that drains it into the owner's `_absorb`, a transcript file,
and a read failure recorded at once so every waiter wakes and raises."""

from __future__ import annotations

import select
import threading
import time
from pathlib import Path

import serial

from harness.errors import HarnessError

READ_POLL_S = 0.1  # how often the reader thread checks for close()
READ_CHUNK = 64 * 1024


class PortReader:
    _error: type[HarnessError] = HarnessError  # what a port that cannot be opened raises

    def _open(self, url: str, baudrate: int, purpose: str) -> None:
        self.url = url
        try:
            self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=READ_POLL_S)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise self._error(f"{purpose}: cannot open {url}: {exc}") from exc
        self._failure: Exception | None = None
        self._closed = False
        self._changed = threading.Condition()

    def _start(self, transcript_path: Path, thread_name: str) -> None:
        """Open the transcript and start draining; the owner's state must exist by now."""
        transcript_path.parent.mkdir(parents=True, exist_ok=True)
        self.transcript_path = transcript_path
        self._transcript = transcript_path.open("a", encoding="utf-8")
        self._reader = threading.Thread(target=self._read_loop, name=thread_name, daemon=True)
        self._reader.start()

    def _absorb(self, data: bytes, moment: float) -> None:
        raise NotImplementedError

    def _read_loop(self) -> None:
        while not self._closed:
            try:
                data = self._read_available()
                if data:
                    self._absorb(data, time.time())
            except Exception as exc:  # a dead socket, an unplugged adapter, a transcript that cannot be written
                with self._changed:
                    if not self._closed:
                        self._failure = exc
                    self._changed.notify_all()
                return

    def _read_available(self) -> bytes:
        """What the port has now (waiting up to READ_POLL_S for something).
        Ask only for what is waiting: pyserial's socket:// read() drops bytes
        already received if the peer hangs up before the requested size is
        reached, and those bytes are evidence. Its in_waiting is 0 or 1 on a
        socket, so there the socket is read directly: a megabyte in one-byte
        reads took seconds."""
        sock = getattr(self._port, "_socket", None)
        if sock is None:
            return self._port.read(self._port.in_waiting or 1)
        ready, _, _ = select.select([sock], [], [], READ_POLL_S)
        if not ready:
            return b""
        data = sock.recv(READ_CHUNK)
        if not data:
            raise serial.SerialException("read failed: socket disconnected")
        return data

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._reader.join(timeout=2 * READ_POLL_S + 1)
        try:
            self._port.close()
        finally:
            self._transcript.close()
