"""Resolver clients: the Universal Resolver HTTP API (both generations of
its answers), BIF's native resolver and a Handle-style identifier
resolution service. Every request and answer goes into the journal; each
answer is mapped to one outcome the suites judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from harness.drivers.http import Connect, HttpExchange, HttpJournal, default_connect, request
from harness.errors import HarnessError
from harness.identity.document import normalise_bif

RESOLVER_TIMEOUT_S = 10.0
Outcome = Literal["resolved", "invalidDid", "notFound", "deactivated", "representationNotSupported",
                  "methodNotSupported", "error"]
# Universal Resolver status codes (and the error names of the 2026 problem-object type URIs).
STATUS_OUTCOMES: dict[int, Outcome] = {200: "resolved", 400: "invalidDid", 404: "notFound", 406: "representationNotSupported",
                                       410: "deactivated", 501: "methodNotSupported"}
PROBLEM_OUTCOMES: dict[str, Outcome] = {"INVALID_DID": "invalidDid", "NOT_FOUND": "notFound", "DEACTIVATED": "deactivated",
                                        "REPRESENTATION_NOT_SUPPORTED": "representationNotSupported",
                                        "METHOD_NOT_SUPPORTED": "methodNotSupported"}
RESOLUTION_ACCEPT = 'application/ld+json;profile="https://w3id.org/did-resolution"'
# BIF's errorCode for an unknown BID.
BIF_NOT_FOUND = 6
# Handle REST API responseCode values.
HANDLE_SUCCESS, HANDLE_NOT_FOUND = 1, 100


class ResolverAnswerError(HarnessError):
    """An answer no resolver should give (not JSON, wrong shape): the lab's resolver is broken."""


@dataclass(frozen=True)
class Resolution:
    did: str
    outcome: Outcome
    document: dict[str, Any] | None
    metadata: dict[str, Any]
    exchange: HttpExchange
    findings: list[str] = field(default_factory=list)

    @property
    def deactivated(self) -> bool:
        return self.outcome == "deactivated" or bool(self.metadata.get("deactivated"))


def _object(value: Any, what: str) -> dict[str, Any]:
    """A member of a resolver's answer that must be a JSON object (absent: empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ResolverAnswerError(f"the resolver's {what} is a JSON {type(value).__name__}, not an object")
    return value


def _error_outcome(metadata: dict[str, Any]) -> Outcome | None:
    error = metadata.get("error")
    if isinstance(error, dict):  # RFC 9457 problem object, type https://www.w3.org/ns/did#NOT_FOUND
        error = str(error.get("type", "")).rsplit("#", 1)[-1]
    if not isinstance(error, str):
        return None
    return PROBLEM_OUTCOMES.get(error) or (error if error in STATUS_OUTCOMES.values() else None)  # type: ignore[return-value]


class _ServiceClient:
    """A client of one lab service at a base URL; every exchange journaled."""

    def __init__(self, base_url: str, journal: HttpJournal, connect: Connect = default_connect):
        self.base_url = base_url.rstrip("/")
        self.journal = journal
        self.connect = connect

    def _get(self, path: str, accept: str | None = None) -> HttpExchange:
        return request("GET", f"{self.base_url}{path}", journal=self.journal, accept=accept,
                       timeout=RESOLVER_TIMEOUT_S, connect=self.connect)


def _coded_answer(exchange: HttpExchange, code_member: str, shape: str) -> tuple[dict[str, Any], Any]:
    """A JSON answer that carries a result code (BIF's errorCode, Handle's responseCode)."""
    try:
        answer = exchange.json()
    except ValueError as exc:
        raise ResolverAnswerError(f"not a {shape} answer: {exc}") from exc
    if not isinstance(answer, dict) or code_member not in answer:
        raise ResolverAnswerError(f"not a {shape} answer (no {code_member}): {exchange.body[:200]!r}")
    return answer, answer[code_member]


class UniversalResolver(_ServiceClient):
    """GET {base}/1.0/identifiers/{did}."""

    def resolve(self, did: str) -> Resolution:
        return self.read(did, self._get(f"/1.0/identifiers/{quote(did, safe=':')}", accept=RESOLUTION_ACCEPT))

    @staticmethod
    def read(did: str, exchange: HttpExchange) -> Resolution:
        """The outcome of the resolver's answer; ResolverAnswerError for any
        answer no resolver should give."""
        outcome = STATUS_OUTCOMES.get(exchange.status, "error")
        try:
            answer = exchange.json() if exchange.body.strip() else {}
        except ValueError as exc:
            if outcome == "resolved":
                raise ResolverAnswerError(str(exc)) from exc
            answer = {}
        if not isinstance(answer, dict):
            raise ResolverAnswerError(f"the resolver answered {exchange.status} with a JSON {type(answer).__name__}")
        if "didDocument" in answer or "didResolutionMetadata" in answer:
            document = answer.get("didDocument")
            metadata = {**_object(answer.get("didResolutionMetadata"), "didResolutionMetadata"),
                        **_object(answer.get("didDocumentMetadata"), "didDocumentMetadata")}
        else:  # a bare document (application/did+ld+json, application/did)
            document, metadata = (answer or None), {}
        outcome = _error_outcome(metadata) or outcome
        if outcome == "resolved" and not isinstance(document, dict):
            raise ResolverAnswerError(f"the resolver said resolved but gave no document for {did}")
        return Resolution(did, outcome, document if outcome in ("resolved", "deactivated") else None, metadata, exchange)


class BifResolver(_ServiceClient):
    """BIF's native node: GET {base}/{bid} -> {errorCode, data: {didDocument}}."""

    def resolve(self, did: str) -> Resolution:
        return self.read(did, self._get(f"/{quote(did, safe=':')}"))

    @staticmethod
    def read(did: str, exchange: HttpExchange) -> Resolution:
        answer, code = _coded_answer(exchange, "errorCode", "BIF resolver")
        if code == BIF_NOT_FOUND:
            return Resolution(did, "notFound", None, {"errorCode": code}, exchange)
        document = _object(answer.get("data"), "data").get("didDocument")
        if code != 0 or not isinstance(document, dict):
            return Resolution(did, "error", None, {"errorCode": code, "message": str(answer.get("message"))[:200]},
                              exchange)
        normalised, finding = normalise_bif(document)
        metadata = {"deactivated": bool(document.get("deactivated", False))}
        return Resolution(did, "deactivated" if metadata["deactivated"] else "resolved", normalised, metadata, exchange,
                          [finding] if finding else [])


@dataclass(frozen=True)
class HandleRecord:
    handle: str
    values: dict[str, list[str]]  # type -> values (URL, DID, ...)
    exchange: HttpExchange


class HandleResolver(_ServiceClient):
    """Identifier resolution, Handle REST style: GET {base}/api/handles/{handle}."""

    def resolve(self, handle: str) -> HandleRecord | None:
        """The record, or None when the service says the handle is not found."""
        return self.read(handle, self._get(f"/api/handles/{quote(handle, safe='/.')}"))

    @staticmethod
    def read(handle: str, exchange: HttpExchange) -> HandleRecord | None:
        answer, code = _coded_answer(exchange, "responseCode", "Handle REST")
        if code == HANDLE_NOT_FOUND:
            return None
        if code != HANDLE_SUCCESS or not isinstance(answer.get("values"), list):
            raise ResolverAnswerError(f"the identifier service answered responseCode {code} for {handle}")
        values: dict[str, list[str]] = {}
        for entry in answer["values"]:
            entry = _object(entry, "handle value")
            kind, shown = entry.get("type"), _object(entry.get("data"), "handle value's data").get("value")
            if not isinstance(kind, str) or not isinstance(shown, (str, int)):
                raise ResolverAnswerError(f"malformed handle value {str(entry)[:200]}")
            values.setdefault(kind, []).append(str(shown))
        return HandleRecord(handle, values, exchange)
