"""Resolver clients against the CI identity services over loopback, and
against answers no resolver should give: every status maps to one outcome,
garbage is a typed error, every exchange is journaled."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fixtures.identity.services import IdentityServices
from harness.drivers.http import HttpJournal, HttpUnreachable, request
from harness.drivers.did_resolver import BifResolver, HandleResolver, ResolverAnswerError, UniversalResolver
from harness.identity.document import parse_document

DID = "did:bid:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2"
KEY_HEX = "b06566b9906e1b50e81501369cc777979f8bcf27bd1917d794fa6d5e320b1ccc4f48bb"
DOCUMENT = {"id": DID, "verificationMethod": [{"id": f"{DID}#key-1", "type": "Ed25519", "controller": DID,
                                               "publicKeyHex": KEY_HEX}], "authentication": [f"{DID}#key-1"]}


@pytest.fixture
def services(tmp_path):
    listening = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    listening.bind(("::1", 0))
    listening.listen(8)
    served = IdentityServices(listening, tmp_path / "services.jsonl")
    yield served, f"http://[::1]:{listening.getsockname()[1]}", HttpJournal(tmp_path / "http.jsonl")
    served.close()


def _register(base: str, journal: HttpJournal, document: dict, deactivated: bool = False) -> None:
    answer = request("POST", f"{base}/1.0/register", journal=journal, body={"didDocument": document,
                                                                            "deactivated": deactivated}, timeout=5)
    assert answer.status == 201


def test_universal_resolver_outcomes(services):
    served, base, journal = services
    resolver = UniversalResolver(base, journal)
    assert resolver.resolve(DID).outcome == "notFound"
    assert resolver.resolve("did:BID:x").outcome == "invalidDid"
    assert resolver.resolve("did:web:example.com").outcome == "methodNotSupported"
    _register(base, journal, DOCUMENT)
    resolution = resolver.resolve(DID)
    assert resolution.outcome == "resolved" and not resolution.deactivated
    assert parse_document(resolution.document, DID).authentication[0].key.raw.hex() == KEY_HEX[6:]
    _register(base, journal, DOCUMENT, deactivated=True)
    assert resolver.resolve(DID).deactivated
    # every request and answer is in the journal file, in order
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert [line["status"] for line in lines] == [404, 400, 501, 201, 200, 201, 410]
    assert served.registry.wait_for_registration(1, timeout=1)


def test_bif_native_answers_are_normalised_with_a_finding(services):
    _, base, journal = services
    resolver = BifResolver(f"{base}/bif", journal)
    assert resolver.resolve(DID).outcome == "notFound"
    _register(base, journal, DOCUMENT)
    resolution = resolver.resolve(DID)
    assert resolution.outcome == "resolved" and "publicKey" in resolution.findings[0]
    assert parse_document(resolution.document, DID).authentication


def test_handle_records(services):
    _, base, journal = services
    handles = HandleResolver(base, journal)
    assert handles.resolve("88.608.8889/X1") is None
    answer = request("POST", f"{base}/api/handles/88.608.8889/X1", journal=journal, timeout=5,
                     body={"values": [{"index": 1, "type": "DID", "data": {"format": "string", "value": DID}}]})
    assert answer.status == 201
    assert handles.resolve("88.608.8889/X1").values == {"DID": [DID]}


class _Canned(BaseHTTPRequestHandler):
    status, body = 200, b""

    def do_GET(self):  # noqa: N802
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def canned(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}", HttpJournal(tmp_path / "http.jsonl")
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status, body, client", [
    (200, b"<html>not json</html>", "universal"),
    (200, b"[1, 2]", "universal"),
    (200, b'{"didResolutionMetadata": {}}', "universal"),
    (200, b'{"message": "no errorCode"}', "bif"),
    (200, b"garbage", "handle"),
    (200, b'{"responseCode": 2}', "handle"),
    (200, b'{"responseCode": 1, "values": [{"type": "DID"}]}', "handle"),
])
def test_answers_no_resolver_should_give_are_typed_errors(canned, status, body, client):
    server, base, journal = canned
    _Canned.status, _Canned.body = status, body
    clients = {"universal": lambda: UniversalResolver(base, journal).resolve(DID),
               "bif": lambda: BifResolver(base, journal).resolve(DID),
               "handle": lambda: HandleResolver(base, journal).resolve("88.1/x")}
    with pytest.raises(ResolverAnswerError):
        clients[client]()
    assert journal.exchanges, "the bad answer is kept as evidence"


def test_newer_problem_object_errors_map_to_outcomes(canned):
    server, base, journal = canned
    _Canned.status = 404
    _Canned.body = json.dumps({"didResolutionMetadata": {"error": {"type": "https://www.w3.org/ns/did#NOT_FOUND"}}}).encode()
    assert UniversalResolver(base, journal).resolve(DID).outcome == "notFound"
    _Canned.status, _Canned.body = 500, b"Internal Server Error"
    assert UniversalResolver(base, journal).resolve(DID).outcome == "error"


def test_a_dead_resolver_is_unreachable_not_a_verdict(tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(HttpUnreachable):
        UniversalResolver(f"http://127.0.0.1:{port}", HttpJournal(tmp_path / "h.jsonl")).resolve(DID)
