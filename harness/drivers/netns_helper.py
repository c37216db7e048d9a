"""Runs inside the host stack's new user and network namespaces (started by
hoststack.py through `unshare`): makes the TAP device, gives it the tester's
MAC and address, hands the TAP's descriptor back over the inherited unix
socket, then makes sockets in the namespace on request (the harness's own
servers and clients live on the stack that way), and holds the namespaces
open until the harness closes that socket.

    python -m harness.drivers.netns_helper CHANNEL_FD MAC ADDRESS/64
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

TAP_NAME = "hx0"
SOCKET_REQUEST = b"tcp6"  # asks for an unbound TCP/IPv6 socket of the namespace
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IP_COMMAND_TIMEOUT_S = 10.0
# The stack is a host, not a router, and takes the tester's addresses as
# given: no RAs acted on, no RSs, no DAD (the tester owns these addresses).
DEFAULT_SYSCTLS = {"accept_ra": "0", "router_solicitations": "0", "accept_dad": "0", "dad_transmits": "0"}


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=IP_COMMAND_TIMEOUT_S)
    if result.returncode != 0:
        raise OSError(f"ip {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")


def make_tap(mac: str, address: str) -> int:
    for name, value in DEFAULT_SYSCTLS.items():
        Path(f"/proc/sys/net/ipv6/conf/default/{name}").write_text(value)
    tap = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", TAP_NAME.encode(), IFF_TAP | IFF_NO_PI))
    _ip("link", "set", "lo", "up")
    _ip("link", "set", TAP_NAME, "address", mac)  # before up: the link-local is formed from it
    _ip("link", "set", TAP_NAME, "up")
    _ip("-6", "addr", "add", address, "dev", TAP_NAME, "nodad")
    return tap


def main(argv: list[str]) -> int:
    channel = socket.socket(fileno=int(argv[1]))
    try:
        tap = make_tap(argv[2], argv[3])
    except OSError as exc:
        channel.sendall(f"error: {exc}".encode())
        return 1
    socket.send_fds(channel, [b"ready"], [tap])
    # Until the harness closes its end or dies: then the namespaces go.
    while channel.recv(16) == SOCKET_REQUEST:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as made:
            socket.send_fds(channel, [b"socket"], [made.fileno()])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
