"""HTTP exchanges with peers that never finish: an answer without end is
kept cut at MAX_BODY_BYTES (its JSON then malformed, the exchange still
journaled), one that trickles in is cut off at the exchange's timeout as no
answer - never a read that lasts as long as the peer likes."""

from __future__ import annotations

import socket
import threading

import pytest

from harness.drivers.http import MAX_BODY_BYTES, HttpJournal, HttpUnreachable, request
from harness.malformed import MalformedInput

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"


class Peer:
    """A TCP peer that reads the request, then runs `answer` on the connection until it fails."""

    def __init__(self, answer):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/doc"
        self.thread = threading.Thread(target=self._serve, args=(answer,), daemon=True)
        self.thread.start()

    def _serve(self, answer):
        conn, _ = self.server.accept()
        with conn:
            conn.recv(65536)
            try:
                answer(conn)
            except OSError:
                pass  # the client hung up: the end of the test's peer

    def close(self):
        self.server.close()
        self.thread.join(10)


@pytest.fixture
def journal(tmp_path):
    return HttpJournal(tmp_path / "http.jsonl")


def test_an_answer_without_end_is_kept_cut_and_its_json_is_malformed(journal):
    def endless(conn):
        conn.sendall(HEADERS + b'{"id": "')
        while True:
            conn.sendall(b"x" * 65536)

    peer = Peer(endless)
    try:
        exchange = request("GET", peer.url, journal=journal, timeout=30)
    finally:
        peer.close()
    assert exchange.cut and len(exchange.body) == MAX_BODY_BYTES
    with pytest.raises(MalformedInput, match="longer than"):
        exchange.json()
    assert journal.exchanges == [exchange] and '"cut": true' in journal.path.read_text()


@pytest.mark.parametrize("start, trickled", [(HEADERS, b" "), (b"HTTP/1.1 200 OK\r\n", b"X-Slow: 1\r\n")],
                         ids=["body", "headers"])
def test_an_answer_that_trickles_in_is_cut_off_at_the_timeout(journal, start, trickled):
    stop = threading.Event()

    def trickle(conn):
        conn.sendall(start)
        while not stop.wait(0.2):  # a little now and then: no single read ever times out
            conn.sendall(trickled)

    peer = Peer(trickle)
    try:
        with pytest.raises(HttpUnreachable, match="no complete answer within 1.0 s"):
            request("GET", peer.url, journal=journal, timeout=1.0)
    finally:
        stop.set()
        peer.close()
    assert journal.exchanges == []
