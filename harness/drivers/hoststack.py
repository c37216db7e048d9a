"""A host network stack on the DUT's link, for real clients (HTTP, SSH,
sslyze, an MQTT broker) to reach the DUT over IPv6.

A Linux network namespace, made in a user namespace of its own (rootless
where the kernel allows it; as root too), holds a TAP device with the
tester's MAC and global address. The harness bridges that TAP to the Link:
what the stack sends goes out through `link.send`, so the recorder and the
pcap see it; what the DUT sends to the tester (or to a group) is written
into the TAP. scapy keeps injecting through the same link. The bridge knows
nothing of QEMU, so a bench link gets the same stack. The namespaces live
as long as their helper process, which dies with the harness."""

from __future__ import annotations

import errno
import os
import select
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass

from harness.abort import FAILURE_CHECK_S, abandoned_when, end_stream
from harness.drivers.link import RECV_POLL_S
from harness.values.frames import Frame
from harness.drivers.netns_helper import IP_COMMAND_TIMEOUT_S, SOCKET_REQUEST, TAP_NAME
from harness.errors import HarnessError, LinkError
from harness.process import die_with_parent
from harness.lab.tester import TesterNode

HELPER_START_TIMEOUT_S = 15.0
HELPER_EXIT_TIMEOUT_S = 5.0
MAX_FRAME = 65535


class HostStackError(HarnessError):
    """The host stack could not be made, or its bridge died."""


@dataclass(frozen=True)
class ClientResult:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str


class HostStack:
    __test__ = False

    def __init__(self, tester: TesterNode):
        self.tester = tester
        self.interface = TAP_NAME
        self.failure: str | None = None
        self._mac = bytes.fromhex(tester.mac.replace(":", ""))
        self._closed = threading.Event()
        channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        address = f"{tester.global_address}/{tester.prefix.prefixlen}"
        self._helper = subprocess.Popen(
            ["unshare", "--user", "--map-root-user", "--net", "--",
             sys.executable, "-m", "harness.drivers.netns_helper", str(theirs.fileno()), tester.mac, address],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,
        )
        theirs.close()
        self._channel = channel
        self._channel_lock = threading.Lock()
        self._tap = self._receive_tap()
        tester.subscribe(self._to_stack)
        self._reader = threading.Thread(target=self._from_stack, name=f"host stack {self._helper.pid}", daemon=True)
        self._reader.start()
        self._connections: weakref.WeakSet[socket.socket] = weakref.WeakSet()  # what connect() handed out
        self._watcher = threading.Thread(target=self._cut_on_link_loss, name=f"host stack {self._helper.pid} watch", daemon=True)
        self._watcher.start()

    def _receive_tap(self) -> int:
        self._channel.settimeout(HELPER_START_TIMEOUT_S)
        try:
            message, fds, _, _ = socket.recv_fds(self._channel, 1024, 1)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise HostStackError(f"host stack helper did not answer within {HELPER_START_TIMEOUT_S} s: {exc}") from exc
        if not fds:
            self.close()
            stderr = self._helper.stderr.read().decode(errors="replace") if self._helper.stderr else ""
            reason = message.decode(errors="replace") or f"exited {self._helper.returncode}"
            raise HostStackError(f"host stack not made: {reason}\n{stderr[-2000:]}")
        return fds[0]

    # -- the bridge ----------------------------------------------------------
    def _to_stack(self, frame: Frame) -> None:
        """DUT frames for the tester's MAC or a group go to the stack too."""
        if frame.direction != "rx" or self._closed.is_set():
            return
        destination = frame.data[:6]
        if destination == self._mac or destination[:1] and destination[0] & 1:
            try:
                os.write(self._tap, frame.data)
            except OSError as exc:  # the stack's fault, not the link's: run() raises it
                self.failure = f"host stack bridge died: cannot write to {TAP_NAME}: {exc}"

    def _from_stack(self) -> None:
        try:
            while not self._closed.is_set():
                ready, _, _ = select.select([self._tap], [], [], RECV_POLL_S)
                if ready:
                    frame = os.read(self._tap, MAX_FRAME)
                    try:
                        self.tester.link.send(frame)
                    except LinkError:
                        # The DUT's link is dead: the DUT reports that itself and
                        # is revived (the tester rebinds); the stack's frames wait
                        # for the new link, as on an unplugged cable.
                        continue
        except Exception as exc:  # noqa: BLE001 - any cause ends the bridge: recorded, raised by run()
            if not self._closed.is_set():
                self.failure = f"host stack bridge died: {type(exc).__name__}: {exc}"

    def lost(self) -> str | None:
        """Why a client cannot reach the DUT now: the bridge died, or the DUT's
        link (or its QEMU) did; None once the DUT is revived."""
        link_failure = self.tester.link.recorder.failure
        return self.failure or (str(link_failure) if link_failure is not None else None)

    def _cut_on_link_loss(self) -> None:
        """Connections to a DUT that is gone end now: their reads see the end
        of the stream, and the test its cause (`lost`), not a timeout."""
        while not self._closed.wait(FAILURE_CHECK_S):
            if self.lost() is None:
                continue
            for connection in list(self._connections):
                end_stream(connection)

    def _raise_if_lost(self, what: str) -> None:
        cause = self.lost()
        if cause is not None:
            raise HostStackError(f"{what} in the host stack stopped: the DUT cannot be reached: {cause}")

    # -- clients -------------------------------------------------------------
    def command(self, argv: list[str]) -> list[str]:
        """argv as run inside the stack's namespaces (for Popen, a server)."""
        return ["nsenter", "--target", str(self._helper.pid), "--user", "--net", "--", *argv]

    def run(self, argv: list[str], timeout: float) -> ClientResult:
        """Run a client in the stack to its end (bounded). Its exit status is
        the caller's to judge: a refused connection can be the DUT's answer."""
        self._raise_if_lost(argv[0])
        try:
            process = subprocess.Popen(self.command(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       preexec_fn=die_with_parent)
        except OSError as exc:
            raise HostStackError(f"cannot run {argv[0]} in the host stack: {exc}") from exc
        with process, abandoned_when(self.lost, lambda _: process.kill(), argv[0]):
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                self._raise_if_lost(argv[0])
                raise HostStackError(f"{argv[0]} in the host stack did not finish within {timeout} s") from None
        self._raise_if_lost(argv[0])
        return ClientResult(argv, process.returncode, stdout, stderr)

    def add_address(self, address: str) -> None:
        """Another address of the stack: a destination beyond the tester's
        prefix, which the DUT reaches through its default router (the tester)."""
        result = self.run(["ip", "-6", "addr", "add", f"{address}/128", "dev", TAP_NAME, "nodad"], IP_COMMAND_TIMEOUT_S)
        if result.returncode != 0:
            raise HostStackError(f"cannot give the host stack address {address}: {result.stderr.strip()}")

    def socket(self) -> socket.socket:
        """An unbound TCP/IPv6 socket of the stack's namespace, for the
        harness's own servers (bound to the tester's address) and clients."""
        if self.failure:
            raise HostStackError(self.failure)
        with self._channel_lock:
            try:
                self._channel.sendall(SOCKET_REQUEST)
                _, fds, _, _ = socket.recv_fds(self._channel, 16, 1)
            except (OSError, TimeoutError) as exc:
                raise HostStackError(f"host stack helper did not hand over a socket: {exc}") from exc
        if not fds:
            raise HostStackError("host stack helper exited: no socket")
        return socket.socket(fileno=fds[0])

    def connect(self, host: str, port: int, timeout: float, source: str | None = None) -> socket.socket:
        """A TCP connection from the stack (over the DUT's link), bounded by
        timeout; from `source` (one of the stack's addresses) if given. The
        DUT's answer (refused, none: TimeoutError) is the caller's to judge;
        a DUT that cannot be reached any more raises HostStackError at once,
        also later, while the connection is in use (its reads end)."""
        connection = self.socket()
        try:
            if source is not None:
                connection.bind((source, 0))
            self._connect_watching_the_link(connection, (host.strip("[]"), port), timeout)
        except BaseException:
            connection.close()
            raise
        connection.settimeout(timeout)
        self._connections.add(connection)
        return connection

    def _connect_watching_the_link(self, connection: socket.socket, address: tuple[str, int], timeout: float) -> None:
        connection.setblocking(False)
        status = connection.connect_ex(address)
        deadline = time.monotonic() + timeout
        while status in (errno.EINPROGRESS, errno.EALREADY):
            remaining = deadline - time.monotonic()
            _, writable, _ = select.select([], [connection], [], max(0.0, min(FAILURE_CHECK_S, remaining)))
            if writable:
                status = connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                break
            self._raise_if_lost(f"a connection to [{address[0]}]:{address[1]}")
            if remaining <= 0:
                raise TimeoutError(f"no answer to a TCP connection to [{address[0]}]:{address[1]} within {timeout} s")
        if status != 0:
            self._raise_if_lost(f"a connection to [{address[0]}]:{address[1]}")
            raise OSError(status, f"{os.strerror(status)}: [{address[0]}]:{address[1]}")  # ConnectionRefusedError, ...

    def close(self) -> None:
        self._closed.set()
        try:
            self.tester.unsubscribe(self._to_stack)
        except ValueError:
            pass
        if getattr(self, "_reader", None) is not None:
            self._reader.join(timeout=2 * RECV_POLL_S + 1)
        if getattr(self, "_watcher", None) is not None:
            self._watcher.join(timeout=2 * FAILURE_CHECK_S + 1)
        if getattr(self, "_tap", None) is not None:
            os.close(self._tap)
        self._channel.close()  # the helper's recv returns: it exits, and the namespaces with it
        try:
            self._helper.wait(HELPER_EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._helper.kill()
            self._helper.wait(HELPER_EXIT_TIMEOUT_S)

    def __enter__(self) -> "HostStack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
