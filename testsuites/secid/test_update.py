"""AP-SECID, the unit's update mechanism: an update with a signature by
another key, or with one byte flipped after signing, is refused and the
running version stays (EN 303 645 5.3-10); the maker's signed update is
applied (5.3-1). The lab's update server (HTTP in the host stack) serves
each variant; its request log is the evidence."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import allure
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.config.models import UpdateClaims
from harness.drivers.console import device_info, run_command
from harness.drivers.update_server import UpdateServer
from harness.errors import HarnessError
from harness.verdict import nonconformant

UPDATE_PORT = 8980
# Lab allowance, not a protocol timer: fetching, checking and applying an update.
UPDATE_TIMEOUT_S = 120.0


@dataclass
class UpdateLab:
    server: UpdateServer
    base: str
    claims: UpdateClaims
    log: str


@pytest.fixture(scope="module")
def updates(campaign, _unit_on_stack, lab_config):
    claims = lab_config.declaration.update
    if claims is None:
        pytest.skip("the declaration has no update mechanism")
    unit = _unit_on_stack
    listening = unit.stack.socket()
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((str(unit.tester.global_address), UPDATE_PORT))
        listening.listen(8)
    except OSError as exc:
        listening.close()
        raise HarnessError(f"the update server cannot listen on [{unit.tester.global_address}]:{UPDATE_PORT}: {exc}") from exc
    log = campaign.suite_evidence("secid") / "update-server.jsonl"
    server = UpdateServer(listening, log)
    try:
        yield UpdateLab(server, f"http://[{unit.tester.global_address}]:{UPDATE_PORT}", claims, str(log))
    finally:
        server.close()


@pytest.fixture
def update_lab(unit, updates) -> UpdateLab:
    return updates


def _running(dut, claims: UpdateClaims) -> str:
    command = dut.config.declaration.commands.device_info
    if command is None:
        raise HarnessError("the unit declares no device_info command to read its running version from")
    info = device_info(dut.console, command)
    if claims.version_key not in info:
        raise HarnessError(f"the unit's device info has no {claims.version_key}= to read its version from")
    return info[claims.version_key]


def _offer(lab: UpdateLab, dut, name: str, bundle: bytes, signature: bytes) -> tuple[int, str]:
    """Serve one update and have the unit apply it: its exit status and output."""
    path = f"/{name}/{lab.claims.bundle.name}"
    lab.server.publish(path, bundle)
    lab.server.publish(f"{path}.sig", signature)
    result = run_command(dut.console, lab.claims.command.format(url=lab.base + path), UPDATE_TIMEOUT_S,
                         accept=range(256))
    allure.attach(result.output, name=f"update-{name}.txt", attachment_type=allure.attachment_type.TEXT)
    return result.exit_status, result.output.strip()


@pytest.mark.requirement("AP-SECID", "EN303645-5.3-10")
def test_update_with_a_bad_signature_or_a_flipped_byte_is_refused(update_lab, unit):
    claims = update_lab.claims
    bundle, signature = claims.bundle.read_bytes(), claims.signature.read_bytes()
    flipped = bundle[:-1] + bytes([bundle[-1] ^ 0x01])
    variants = {"signed-by-another-key": (bundle, Ed25519PrivateKey.generate().sign(bundle)),
                "flipped-last-byte": (flipped, signature)}
    problems = []
    for name, (content, signed) in variants.items():
        before = _running(unit.dut, claims)
        status, output = _offer(update_lab, unit.dut, name, content, signed)
        after = _running(unit.dut, claims)
        if status == 0 or after != before:
            problems.append(f"{name}: exit status {status}, version {before} -> {after} ({output[-200:]})")
    allure.attach.file(update_lab.log, name="update-server.jsonl", attachment_type=allure.attachment_type.TEXT)
    if problems:
        nonconformant("EN303645-5.3-10", "an update that fails its signature check refused, the version kept",
                      "; ".join(problems))


@pytest.mark.requirement("AP-SECID", "EN303645-5.3-1")
def test_signed_update_is_applied(update_lab, unit, observations):
    claims = update_lab.claims
    before = _running(unit.dut, claims)
    if before == claims.version:
        observations.advise("EN303645-5.3-1", f"the unit already runs {claims.version}: the update cannot show a change")
    status, output = _offer(update_lab, unit.dut, "maker-signed", claims.bundle.read_bytes(), claims.signature.read_bytes())
    after = _running(unit.dut, claims)
    allure.attach.file(update_lab.log, name="update-server.jsonl", attachment_type=allure.attachment_type.TEXT)
    if status != 0 or after != claims.version:
        nonconformant("EN303645-5.3-1", f"the maker's signed update applied: version {claims.version}",
                      f"exit status {status}, version {before} -> {after} ({output[-200:]})")
