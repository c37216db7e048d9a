"""HTTP exchanges the harness has with the lab's services and the DUT,
each recorded whole (request, answer, timing) as evidence. The connection
can come from the host stack (a socket in its namespace, over the DUT's
link) or from this host; the protocol is the same."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from harness.abort import abandoned_when, end_stream
from harness.errors import HarnessError
from harness.malformed import MAX_DOCUMENT_CHARS, MalformedInput, json_value

Connect = Callable[[str, int, float], socket.socket]
# An answer is read up to this much (the largest document read from one);
# past it the exchange is kept cut and its JSON is malformed.
MAX_BODY_BYTES = MAX_DOCUMENT_CHARS
READ_CHUNK_BYTES = 64 * 1024


class HttpUnreachable(HarnessError):
    """No answer at all (refused, reset, timed out): the lab's failure unless
    the case says the DUT should have answered."""


@dataclass(frozen=True)
class HttpExchange:
    method: str
    url: str
    request_body: str | None
    status: int
    content_type: str
    body: str
    seconds: float
    started: float = field(default_factory=time.time)
    cut: bool = False  # the body is the first MAX_BODY_BYTES of a longer answer

    def json(self) -> Any:
        """The answer as JSON, bounded in size and nesting; a MalformedInput
        (a ValueError) names the body when it is not."""
        if self.cut:
            raise MalformedInput(f"the answer of {self.method} {self.url} ({self.status}) is longer than "
                                 f"{MAX_BODY_BYTES} bytes")
        return json_value(self.body, f"the answer of {self.method} {self.url} ({self.status}, {self.body[:200]!r})")


def default_connect(host: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((host.strip("[]"), port), timeout=timeout)


class _Connection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, timeout: float, connect: Connect):
        super().__init__(host, port, timeout=timeout)
        self._connect_with = connect
        self.opened: socket.socket | None = None  # kept: http.client lets go of `sock` once the answer starts

    def connect(self) -> None:
        self.sock = self.opened = self._connect_with(self.host, self.port, self.timeout)


class HttpJournal:
    """Every exchange, appended to a JSON-lines file as it completes (kept if
    the campaign dies half way)."""

    def __init__(self, path: Path):
        self.path = path
        self.exchanges: list[HttpExchange] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, exchange: HttpExchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(exchange)) + "\n")

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[HttpExchange]:
        return self.exchanges[mark:]


def request(method: str, url: str, *, journal: HttpJournal, body: Any = None, accept: str | None = None,
            timeout: float, connect: Connect = default_connect,
            abort_if: Callable[[], str | None] | None = None) -> HttpExchange:
    """One HTTP/1.1 exchange, all of it bounded by `timeout` (a peer that
    trickles its answer is cut off at the deadline, one that sends without
    end after MAX_BODY_BYTES), recorded in the journal. `body` is sent as
    JSON. No complete answer raises HttpUnreachable. `abort_if` names a dead
    resource the answer depends on (the DUT): polled while waiting, it ends
    the exchange at once instead of at the timeout."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise HarnessError(f"only http:// URLs with a host are supported here, got {url!r}")
    payload = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    headers = {"Connection": "close"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    if accept:
        headers["Accept"] = accept
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection = _Connection(parts.hostname, parts.port or 80, timeout, connect)
    started = time.monotonic()
    deadline = started + timeout

    def cut_off() -> str | None:
        if time.monotonic() >= deadline:
            return f"no complete answer within {timeout} s"
        return abort_if() if abort_if is not None else None

    try:
        with abandoned_when(cut_off, lambda _: end_stream(connection.opened), url) as aborted:
            connection.request(method, target, body=payload, headers=headers)
            answer = connection.getresponse()
            raw, cut = _read_body(answer)
            if aborted:  # the stream was ended under the read: what came is not the whole answer
                raise OSError("the exchange was cut off")
    except (OSError, http.client.HTTPException) as exc:
        cause = f" ({aborted[0]})" if aborted else ""
        raise HttpUnreachable(f"{method} {url}: no answer{cause} ({type(exc).__name__}: {exc})") from exc
    finally:
        connection.close()
    exchange = HttpExchange(method, url, payload, answer.status, answer.getheader("Content-Type", ""),
                            raw.decode("utf-8", errors="replace"), time.monotonic() - started, cut=cut)
    journal.add(exchange)
    return exchange


def _read_body(answer: http.client.HTTPResponse) -> tuple[bytes, bool]:
    """The body, up to MAX_BODY_BYTES; whether there was more."""
    chunks, size = [], 0
    while size <= MAX_BODY_BYTES:
        chunk = answer.read(READ_CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:MAX_BODY_BYTES], True
