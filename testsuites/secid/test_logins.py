"""AP-SECID, the unit's login services: no universal default or weak
password opens any of them (EN 303 645 5.1-1), and repeated failed logins
from one address are slowed or stopped (5.1-5). Real SSH clients
(paramiko) from the host stack, each attempt from an address of its own
so that one lockout does not hide the next credential; every attempt,
with its outcome and time, is the evidence."""

from __future__ import annotations

import json
import secrets

import allure
import pytest

from harness.config.models import ExposedService
from harness.drivers.ssh_login import LoginAttempt, try_password
from harness.errors import HarnessError
from harness.secid import BACKOFF_GROWTH, credentials_to_try, parse_credentials, backoff_shown
from harness.verdict import nonconformant

# Lab allowance, not a protocol timer: an SSH handshake and one password
# check under software emulation; a source the unit stopped answering.
ATTEMPT_WAIT_S = 8.0
BACKOFF_ATTEMPTS = 10


@pytest.fixture
def logins(lab_config) -> list[ExposedService]:
    services = [service for service in lab_config.declaration.services if service.login == "ssh"]
    if not services:
        pytest.skip("the declaration names no SSH login service")
    return services


def _attach(attempts: list[LoginAttempt], name: str) -> None:
    allure.attach(json.dumps([attempt.__dict__ for attempt in attempts], indent=2), name=name,
                  attachment_type=allure.attachment_type.JSON)


def _still_up(unit) -> None:
    cause = unit.dut.failure()
    if cause:
        raise HarnessError(f"DUT lost during the login attempts: {cause}")


@pytest.mark.requirement("AP-SECID", "EN303645-5.1-1")
def test_no_universal_default_or_weak_password(unit, logins, lab_config, observations):
    lab_list = []
    if lab_config.secid.credentials is not None:
        lab_list = parse_credentials(lab_config.secid.credentials.read_text(), str(lab_config.secid.credentials))
    credentials = credentials_to_try(lab_list)
    attempts = [try_password(unit.stack, str(unit.address), service.port, user, password, unit.fresh_source(),
                             ATTEMPT_WAIT_S)
                for service in logins for user, password in credentials]
    _still_up(unit)
    _attach(attempts, "login-attempts.json")
    answered = [attempt for attempt in attempts if attempt.outcome in ("accepted", "refused")]
    if not answered:
        raise HarnessError("no login attempt got an answer: " + "; ".join(map(str, attempts[:3])))
    for attempt in attempts:
        if attempt.outcome not in ("accepted", "refused"):
            observations.advise("EN303645-5.1-1", f"not judged: {attempt}")
    opened = [attempt for attempt in attempts if attempt.outcome == "accepted"]
    if opened:
        nonconformant("EN303645-5.1-1", f"none of {len(credentials)} universal default or weak credentials "
                                        "accepted (the built-in list and the lab's)",
                      "; ".join(f"tcp/{service.port} accepted {a.user}:{a.password or '(empty)'}"
                                for service in logins for a in opened))


@pytest.mark.requirement("AP-SECID", "EN303645-5.1-5")
def test_repeated_failed_logins_are_slowed_or_locked_out(unit, logins, observations):
    service = logins[0]
    source = unit.fresh_source()
    attempts: list[LoginAttempt] = []
    for number in range(1, BACKOFF_ATTEMPTS + 1):
        attempt = try_password(unit.stack, str(unit.address), service.port, "root", secrets.token_hex(12), source,
                               ATTEMPT_WAIT_S)
        attempts.append(attempt)
        observations.measure(f"failed login {number}", attempt.seconds, "s")
        if attempt.outcome != "refused":
            break
    _still_up(unit)
    _attach(attempts, "failed-logins.json")
    if attempts[0].outcome != "refused":
        raise HarnessError(f"the first login attempt was not even refused, nothing to measure: {attempts[0]}")
    if attempts[-1].outcome == "accepted":
        nonconformant("EN303645-5.1-1", "a random password refused", str(attempts[-1]))
    failures = [attempt.seconds for attempt in attempts if attempt.outcome == "refused"]
    stopped = attempts[-1].outcome in ("unanswered", "closed")
    if not backoff_shown(failures, stopped):
        nonconformant("EN303645-5.1-5", f"within {BACKOFF_ATTEMPTS} failed logins from one address, a lockout or "
                                        f"failures slowed to {BACKOFF_GROWTH}x the first",
                      f"{len(failures)} failures, each answered in " + ", ".join(f"{s:.2f}" for s in failures) + " s")
