"""One SSH password login attempt with paramiko, over a connection the host
stack makes (from a source address the caller picks): accepted, refused,
or what kept it from an answer - a connection dropped or refused, or a
server that ended the exchange. Timed, for back-off measurements."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Literal

import paramiko

from harness.drivers.hoststack import HostStack

Outcome = Literal["accepted", "refused", "unanswered", "closed"]


@dataclass(frozen=True)
class LoginAttempt:
    user: str
    password: str
    source: str
    outcome: Outcome
    seconds: float
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.user}:{self.password or '(empty)'} from {self.source}: {self.outcome} in {self.seconds:.2f} s" \
               + (f" ({self.detail})" if self.detail else "")


def try_password(stack: HostStack, address: str, port: int, user: str, password: str, source: str,
                 timeout: float) -> LoginAttempt:
    started = time.monotonic()

    def done(outcome: Outcome, detail: str = "") -> LoginAttempt:
        return LoginAttempt(user, password, source, outcome, time.monotonic() - started, detail)

    try:
        connection = stack.connect(address, port, timeout, source=source)
    except (TimeoutError, socket.timeout):
        return done("unanswered", f"no answer to the TCP connection within {timeout} s")
    except ConnectionRefusedError:
        return done("closed", "TCP connection refused")
    transport = paramiko.Transport(connection)
    transport.banner_timeout = transport.auth_timeout = transport.handshake_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        transport.auth_password(user, password)
        return done("accepted")
    except paramiko.AuthenticationException as exc:
        return done("refused", type(exc).__name__)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        return done("closed", f"{type(exc).__name__}: {exc}")
    finally:
        transport.close()
        connection.close()
