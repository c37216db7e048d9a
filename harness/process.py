"""Child processes of the harness (QEMU, pytest, emulators): they die with
their parent, and a campaign can tell whoever started it that its DUT booted."""

from __future__ import annotations

import ctypes
import os
import signal
import socket

PR_SET_PDEATHSIG = 1
# A unix datagram socket a campaign's starter listens on (the fault matrix
# staggers boots with it); the plugin sends one datagram per DUT boot.
NOTIFY_SOCKET_ENV = "HARNESS_NOTIFY_SOCKET"


def die_with_parent() -> None:
    """Runs in the child before exec: it gets SIGKILL when the harness process
    dies, however it dies (SIGKILL and Ctrl-C included)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def notify_booted() -> None:
    address = os.environ.get(NOTIFY_SOCKET_ENV)
    if not address:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        try:
            notify.sendto(b"booted", address)
        except OSError:
            pass  # the starter stopped listening (its allowance ran out): nothing to tell
