"""Ethernet links to the DUT and the recorder every frame passes through.

Two links provide one protocol: the QEMU datagram backend (one raw Ethernet
frame per UDP datagram, no length prefix, no FCS) and a raw host interface
through scapy's layer-2 socket for benches."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Callable, Protocol

from scapy.layers.l2 import Ether
from scapy.utils import RawPcapWriter

from harness.errors import LinkError
from harness.values.frames import LINKTYPE_ETHERNET, Direction, Frame

RECV_POLL_S = 0.2  # how often receive loops check for close()
MAX_FRAME = 65535


class FrameRecorder:
    """Every frame that crosses the link, in order, with a timestamp; written
    through to a pcap as it arrives so nothing is lost if the run dies."""

    def __init__(self, pcap_path: Path):
        pcap_path.parent.mkdir(parents=True, exist_ok=True)
        self.pcap_path = pcap_path
        self._frames: list[Frame] = []
        self._changed = threading.Condition()
        self._listeners: list[Callable[[Frame], None]] = []
        self._writer = RawPcapWriter(str(pcap_path), linktype=LINKTYPE_ETHERNET, sync=True)
        self._writer.write_header(None)
        self.failure: LinkError | None = None

    def check(self) -> None:
        """Raise the link's failure, if it has one."""
        if self.failure is not None:
            raise LinkError(str(self.failure)) from self.failure

    def fail(self, error: LinkError) -> None:
        """The link died: every wait, now and later, raises this at once."""
        with self._changed:
            if self.failure is None:
                self.failure = error
            self._changed.notify_all()

    def record(self, direction: Direction, data: bytes) -> Frame:
        with self._changed:
            frame = Frame(len(self._frames), time.time(), direction, data)
            self._frames.append(frame)
            sec = int(frame.time)
            try:
                self._writer.write_packet(data, sec=sec, usec=int((frame.time - sec) * 1e6))
            except (OSError, ValueError) as exc:  # the evidence disk full or gone: no capture, no test
                self.fail(LinkError(f"capture {self.pcap_path} cannot be written: {exc}"))
                self.check()
            listeners = list(self._listeners)
            self._changed.notify_all()
        for listener in listeners:
            try:
                listener(frame)
            except Exception as exc:  # noqa: BLE001 - a peer's fault is the lab's, never the DUT's
                name = getattr(listener, "__qualname__", repr(listener))
                self.fail(LinkError(f"listener {name} raised on frame {frame.index}: {type(exc).__name__}: {exc}"))
                self.check()
        return frame

    def subscribe(self, listener: Callable[[Frame], None]) -> None:
        with self._changed:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Frame], None]) -> None:
        with self._changed:
            self._listeners.remove(listener)

    def mark(self) -> int:
        with self._changed:
            return len(self._frames)

    def frames(self, start: int = 0, end: int | None = None) -> list[Frame]:
        with self._changed:
            return self._frames[start:end]

    def frames_between(self, start: float, end: float) -> list[Frame]:
        with self._changed:
            return [f for f in self._frames if start <= f.time <= end]

    def wait_for(
        self,
        match: Callable[[Ether], bool],
        timeout: float,
        since: int = 0,
        direction: Direction = "rx",
    ) -> Frame | None:
        """The first frame at or after index `since` that matches, waiting at
        most `timeout` seconds for it; None if none came. A dead link raises
        its LinkError instead, at once: no frame can come any more."""
        deadline = time.monotonic() + timeout
        index = since
        with self._changed:
            while True:
                while index < len(self._frames):
                    frame = self._frames[index]
                    index += 1
                    if frame.direction == direction and _safe_match(match, frame):
                        return frame
                self.check()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def close(self) -> None:
        with self._changed:
            self._writer.close()


def _safe_match(match: Callable[[Ether], bool], frame: Frame) -> bool:
    """A frame scapy cannot dissect is evidence, not a crash."""
    try:
        return bool(match(frame.packet))
    except Exception:
        return False


class Link(Protocol):
    recorder: FrameRecorder

    def send(self, data: bytes) -> None: ...
    def close(self) -> None: ...


class _ReceiverThread:
    """Runs a receive function until close(), recording every frame. Whatever
    ends it early - a dead socket, a listener that raised - becomes the
    link's failure, so waits raise it at once instead of timing out."""

    def __init__(self, name: str, recorder: FrameRecorder, receive: Callable[[], bytes | None]):
        self.name = name
        self.recorder = recorder
        self._receive = receive
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._closed.is_set():
            try:
                data = self._receive()
                if data:
                    self.recorder.record("rx", data)
            except Exception as exc:  # noqa: BLE001 - any cause is a lab failure, named
                if not self._closed.is_set():
                    self.recorder.fail(LinkError(f"{self.name} died: {type(exc).__name__}: {exc}"))
                return

    def stop(self) -> None:
        self._closed.set()
        self._thread.join(timeout=2 * RECV_POLL_S + 1)


class UdpDatagramLink:
    """QEMU's `-netdev dgram` (or `socket,udp=`) backend on loopback. The
    harness binds first, so the port is known before QEMU starts."""

    def __init__(self, recorder: FrameRecorder, host: str = "127.0.0.1"):
        self.recorder = recorder
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(RECV_POLL_S)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self._peer: tuple[str, int] | None = None
        self._receiver = _ReceiverThread(f"link udp:{self.port}", recorder, self._receive)

    def connect_peer(self, port: int) -> None:
        self._peer = (self.host, port)

    @property
    def closed(self) -> bool:
        """The socket is gone (closed under the receiver): known at once,
        before the receiver's next poll notices."""
        return self._sock.fileno() == -1

    def _receive(self) -> bytes | None:
        try:
            data, _ = self._sock.recvfrom(MAX_FRAME)
        except (socket.timeout, ConnectionRefusedError):
            return None
        return data

    def send(self, data: bytes) -> None:
        if self._peer is None:
            raise LinkError("udp link: no peer port yet (QEMU not started)")
        self.recorder.check()
        # Stamped when handed to the link, before it goes: the DUT's answer
        # can arrive (and be stamped) before sendto() returns.
        self.recorder.record("tx", data)
        try:
            self._sock.sendto(data, self._peer)
        except OSError as exc:
            raise LinkError(f"udp link: send to {self._peer} failed: {exc}") from exc

    def close(self) -> None:
        self._receiver.stop()
        self._sock.close()


class RawInterfaceLink:
    """A host interface cabled to a bench DUT, through scapy's layer-2 socket.
    The host's own IPv6 stack must be off on that interface."""

    def __init__(self, recorder: FrameRecorder, interface: str):
        from scapy.config import conf

        self.recorder = recorder
        self.interface = interface
        try:
            self._sock = conf.L2socket(iface=interface)
        except (OSError, ValueError) as exc:
            raise LinkError(f"raw link: cannot open {interface}: {exc}") from exc
        self._receiver = _ReceiverThread(f"link raw:{interface}", recorder, self._receive)

    def _receive(self) -> bytes | None:
        from scapy.automaton import select_objects

        if not select_objects([self._sock], RECV_POLL_S):
            return None
        # scapy's Linux L2 socket drops our own outgoing frames here.
        _, data, _ = self._sock.recv_raw(MAX_FRAME)
        return data

    def send(self, data: bytes) -> None:
        self.recorder.check()
        self.recorder.record("tx", data)  # stamped before it goes, as on the UDP link
        try:
            self._sock.outs.send(data)
        except OSError as exc:
            raise LinkError(f"raw link {self.interface}: send failed: {exc}") from exc

    def close(self) -> None:
        self._receiver.stop()
        self._sock.close()
