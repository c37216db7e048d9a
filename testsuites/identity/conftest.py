"""Shared steps of the AP-DID and AP-OOOC suites. The harness plays the
platform: from the host stack on the DUT's link it challenges the unit's
authentication endpoint over IPv6 and resolves the unit's DID and
identifiers through the lab's resolvers (in CI, the services of
fixtures/identity, which the unit registers with as a factory would). Every
HTTP exchange is evidence; verdicts come from what a bench has too."""

from __future__ import annotations

import json
import secrets
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import allure
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from netaddr import IPAddress

from harness.config.models import IdentityClaims, LabConfig
from harness.context import Dut
from harness.drivers.console import device_info, run_command
from harness.drivers.hoststack import HostStack
from harness.drivers.http import HttpExchange, HttpJournal, HttpUnreachable, default_connect
from harness.drivers.http import request as http_request
from harness.drivers.did_resolver import BifResolver, HandleResolver, Resolution, UniversalResolver
from harness.errors import HarnessError
from harness.identity import bidauth
from harness.identity.document import DidDocument, parse_document
from harness.identity.errors import IdentityError
from harness.identity.keys import PublicKey
from harness.identity.methods import bif_public_key_hex, did_bid
from harness.lab.tester import TesterNode
from harness.verdict import nonconformant
from harness.lab.addressing import UnitAddress

REGISTER_TIMEOUT_S = 60.0  # the factory step: the unit posts its document and record (each wget bounded at 10 s)
# The unit signs with openssl under TCG: measured 0.1-0.3 s; a bound, not an expectation.
AUTH_TIMEOUT_S = 15.0


@dataclass
class IdentityLab:
    dut: Dut
    tester: TesterNode
    config: LabConfig
    claims: IdentityClaims
    stack: HostStack
    addressing: UnitAddress
    journal: HttpJournal
    resolver: UniversalResolver | BifResolver
    handles: HandleResolver
    services: object | None  # fixtures.identity.services.IdentityServices, when emulated
    platform: Platform | None  # registered with the emulated services, for mutual authentication

    # -- the unit ---------------------------------------------------------------
    def device_info(self, console=None) -> dict[str, str]:
        """What a unit's device-info command prints (this unit's, or the one on `console`)."""
        command = self.config.declaration.commands.device_info
        if command is None:
            pytest.skip("the DUT declares no device_info command")
        return device_info(console or self.dut.console, command)

    def did(self) -> str:
        """The unit's DID: declared, else what its device-info command prints."""
        if self.claims.did:
            return self.claims.did
        did = self.device_info().get("did")
        if not did:
            nonconformant("DIDCORE-3.1", "the unit's DID (declared, or did= from its device-info command)", "none")
        return did

    def unit_address(self) -> IPAddress:
        address = self.addressing.current()
        if address is None:
            nonconformant("RFC4862-5.5.3", "an address formed from the tester's prefix, to reach the unit's endpoint",
                          "none formed")
        return address

    def challenge(self, nonce_hex: str) -> HttpExchange:
        """POST a bidauth_challenge to the unit's endpoint, over the DUT's link."""
        return self.post(bidauth.challenge(nonce_hex))

    def post(self, message: dict) -> HttpExchange:
        """POST a BIDAuth message to the unit's endpoint, over the DUT's link.
        No answer at all is the unit's failure: its endpoint must answer."""
        url = self.claims.auth_endpoint.format(address=self.unit_address())
        try:
            return http_request("POST", url, journal=self.journal, body=message, timeout=AUTH_TIMEOUT_S,
                                connect=self.stack.connect, abort_if=self.unit_unreachable)
        except HttpUnreachable as exc:
            self.check_lab()
            nonconformant("DID-AUTH-CHALLENGE", f"an answer from the authentication endpoint {url}", str(exc))

    def unit_unreachable(self) -> str | None:
        """Why the unit cannot answer: a dead DUT resource or host stack."""
        return self.dut.failure() or self.stack.failure

    def lab_failure(self) -> str | None:
        """Why the lab cannot serve the case: that, or a lab service that failed."""
        return self.unit_unreachable() or getattr(getattr(self.services, "registry", None), "failure", None)

    def check_lab(self) -> None:
        """Before an absence or a refusal is judged: a broken lab is the lab's failure (broken), not the unit's."""
        cause = self.lab_failure()
        if cause:
            raise HarnessError(f"identity lab lost: {cause}")

    # -- resolution ---------------------------------------------------------------
    def resolve(self, did: str) -> Resolution:
        resolution = self.resolver.resolve(did)
        for finding in resolution.findings:
            allure.attach(finding, name="resolver finding", attachment_type=allure.attachment_type.TEXT)
        return resolution

    def document(self, did: str) -> DidDocument:
        """The unit's resolved, valid document; anything else fails the case at that step."""
        resolution = self.resolve(did)
        if resolution.outcome != "resolved" or resolution.document is None:
            nonconformant("DIDCORE-7.1", f"{did} resolves to a DID document", f"outcome {resolution.outcome}")
        try:
            return parse_document(resolution.document, did)
        except IdentityError as exc:
            nonconformant("DIDCORE-5.1.1", "a valid DID document", str(exc))


class Platform:
    """The harness as the platform the unit authenticates (mutual BIDAuth):
    an Ed25519 key made for the campaign, its did:bid, and its document
    registered with the lab's services."""

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()
        self.public_key = PublicKey("Ed25519", self._key.public_key().public_bytes_raw())
        self.did = did_bid(self.public_key)

    def document(self) -> dict:
        return {"@context": ["https://www.w3.org/ns/did/v1"], "id": self.did,
                "verificationMethod": [{"id": f"{self.did}#key-1", "type": "Ed25519", "controller": self.did,
                                        "publicKeyHex": bif_public_key_hex(self.public_key)}],
                "authentication": [f"{self.did}#key-1"]}

    def response(self, nonce_hex: str, signer: Ed25519PrivateKey | None = None) -> dict:
        """A bidauth_response over the nonce, signed by this platform (or by `signer`, with its key)."""
        signer = signer or self._key
        key = PublicKey("Ed25519", signer.public_key().public_bytes_raw())
        return {"@type": bidauth.ENVELOPE_TYPE, "@id": str(uuid.uuid4()),
                "content": {"type": "bidauth_response", "plainText": nonce_hex, "bid": self.did,
                            "publicKey": bif_public_key_hex(key), "cryptoType": "ED25519",
                            "signText": signer.sign(bytes.fromhex(nonce_hex)).hex()}}


def fresh_nonce(size: int = bidauth.NONCE_BYTES) -> bytes:
    return secrets.token_bytes(size)


def _serve(stack: HostStack, tester: TesterNode, port: int, evidence: Path):
    try:
        from fixtures.identity.services import IdentityServices
    except ImportError as exc:
        raise HarnessError("the emulated identity services are fixtures of the checkout; an installed harness "
                           "uses the lab's resolver and identifier service (identity.emulated: false)") from exc

    listening = stack.socket()
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((str(tester.global_address), port))
        listening.listen(16)
    except OSError as exc:
        listening.close()
        raise HarnessError(f"identity services cannot listen on [{tester.global_address}]:{port}: {exc}") from exc
    return IdentityServices(listening, evidence / "services.jsonl")


@pytest.fixture(scope="package")
def identity(campaign, dut: Dut, tester: TesterNode, lab_config: LabConfig):
    claims = lab_config.declaration.identity
    if claims is None:
        pytest.skip("the declaration has no identity claims")
    services_config = lab_config.identity
    if services_config is None:
        pytest.skip("the lab config names no identity services (resolver, identifier service)")
    evidence = campaign.suite_evidence("identity")
    journal = HttpJournal(evidence / "http.jsonl")
    addressing = UnitAddress(dut, tester)
    addressing.current()
    with HostStack(tester) as stack:
        services = None
        try:
            if services_config.emulated:
                services = _serve(stack, tester, services_config.port, evidence)
                base = f"http://[{tester.global_address}]:{services_config.port}"
                resolver_url, identifier_url, connect = base, base, stack.connect
                register = lab_config.declaration.commands.register_identity
                if register is None:
                    raise HarnessError("emulated identity services need the DUT's register_identity command")
                run_command(dut.console, register.format(url=base), REGISTER_TIMEOUT_S)
                platform = Platform()
                registered = http_request("POST", f"{base}/1.0/register", journal=journal, timeout=REGISTER_TIMEOUT_S,
                                     connect=connect, body={"did": platform.did, "didDocument": platform.document()})
                if registered.status != 201:
                    raise HarnessError(f"the platform's DID was not registered: HTTP {registered.status}")
            else:
                resolver_url, identifier_url, connect = services_config.resolver, services_config.identifier_service, default_connect
                platform = None  # a real lab's platform identity is the lab's to register
            if services_config.resolver_api == "bif":
                resolver = BifResolver(f"{resolver_url}/bif" if services_config.emulated else resolver_url, journal, connect)
            else:
                resolver = UniversalResolver(resolver_url, journal, connect)
            yield IdentityLab(dut, tester, lab_config, claims, stack, addressing, journal, resolver,
                              HandleResolver(identifier_url, journal, connect), services, platform)
        finally:
            if services is not None:
                services.close()


@pytest.fixture(autouse=True)
def _http_evidence(request):
    """Each case's HTTP exchanges, attached to its result."""
    if "identity" not in request.fixturenames:
        yield
        return
    lab: IdentityLab = request.getfixturevalue("identity")
    mark = lab.journal.mark()
    yield
    exchanges = [exchange.__dict__ for exchange in lab.journal.since(mark)]
    if exchanges:
        allure.attach(json.dumps(exchanges, indent=2), name="http-exchanges.json",
                      attachment_type=allure.attachment_type.JSON)
