"""Link framing and the frame recorder: one Ethernet frame per datagram,
every frame recorded once, pcaps that parse, bounded waits."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid

import pytest
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

from harness.drivers.link import FrameRecorder, RawInterfaceLink, UdpDatagramLink
from harness.values.frames import write_pcap
from harness.errors import LinkError

FRAME = bytes(Ether(src="52:54:00:12:34:56", dst="02:00:00:00:00:01") / IPv6(src="fe80::1", dst="fe80::2") / ICMPv6EchoRequest())


def test_a_datagram_from_the_peer_is_one_received_frame(udp_link):
    link, peer = udp_link
    peer.sendto(FRAME, ("127.0.0.1", link.port))
    frame = link.recorder.wait_for(lambda p: IPv6 in p, timeout=5)
    assert frame is not None and frame.direction == "rx" and frame.data == FRAME


def test_a_sent_frame_is_one_datagram_with_no_length_prefix(udp_link):
    link, peer = udp_link
    link.send(FRAME)
    data, _ = peer.recvfrom(65535)
    assert data == FRAME
    assert [f.direction for f in link.recorder.frames()] == ["tx"]


def test_recorder_pcap_holds_both_directions_in_order(udp_link, tmp_path):
    link, peer = udp_link
    link.send(FRAME)
    peer.recvfrom(65535)
    peer.sendto(FRAME[::-1][:60], ("127.0.0.1", link.port))  # garbage is still a frame
    assert link.recorder.wait_for(lambda p: True, timeout=5) is not None
    packets = rdpcap(str(tmp_path / "link.pcap"))
    assert [bytes(p) for p in packets] == [FRAME, FRAME[::-1][:60]]


def test_a_sent_frame_is_stamped_before_an_answer_that_comes_at_once(udp_link):
    link, peer = udp_link

    def answer():
        data, _ = peer.recvfrom(65535)
        peer.sendto(data[::-1], ("127.0.0.1", link.port))

    for _ in range(50):  # the answer may be received while sendto() has yet to return
        responder = threading.Thread(target=answer)
        responder.start()
        mark = link.recorder.mark()
        link.send(FRAME)
        assert link.recorder.wait_for(lambda p: True, timeout=5, since=mark) is not None
        responder.join()
        sent, answered = link.recorder.frames(mark)
        assert (sent.direction, answered.direction) == ("tx", "rx") and sent.time <= answered.time


def test_wait_for_gives_up_at_its_timeout_and_honours_since(udp_link):
    link, peer = udp_link
    peer.sendto(FRAME, ("127.0.0.1", link.port))
    assert link.recorder.wait_for(lambda p: True, timeout=5) is not None
    assert link.recorder.wait_for(lambda p: True, timeout=0.2, since=link.recorder.mark()) is None


def test_a_predicate_that_raises_does_not_kill_the_wait(udp_link):
    link, peer = udp_link
    peer.sendto(b"\x01\x02", ("127.0.0.1", link.port))
    peer.sendto(FRAME, ("127.0.0.1", link.port))
    frame = link.recorder.wait_for(lambda p: p[IPv6].src == "fe80::1", timeout=5)
    assert frame is not None and frame.data == FRAME


def test_sending_before_the_peer_is_known_is_a_link_error(tmp_path):
    recorder = FrameRecorder(tmp_path / "l.pcap")
    link = UdpDatagramLink(recorder)
    try:
        with pytest.raises(LinkError):
            link.send(FRAME)
    finally:
        link.close()


def test_an_empty_slice_is_still_a_valid_pcap(tmp_path):
    path = write_pcap(tmp_path / "empty.pcap", [])
    assert len(rdpcap(str(path))) == 0


# -- the bench path: a raw interface, proven on a veth pair this test creates --
needs_root_and_ip = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None, reason="creating a veth pair needs root and iproute2"
)


@pytest.fixture
def veth_pair():
    """A veth pair whose far end sits in a network namespace of its own, with
    IPv6 off on both ends so neither host stack talks on it."""
    tag = uuid.uuid4().hex[:6]
    near, far, namespace = f"hxa{tag}", f"hxb{tag}", f"hx{tag}"

    def ip(*args, ns=None):
        prefix = ["ip", "netns", "exec", ns] if ns else []
        subprocess.run([*prefix, *args], check=True, capture_output=True)

    ip("ip", "netns", "add", namespace)
    try:
        ip("ip", "link", "add", near, "type", "veth", "peer", "name", far, "netns", namespace)
        ip("sysctl", "-qw", f"net.ipv6.conf.{near}.disable_ipv6=1")
        ip("sysctl", "-qw", f"net.ipv6.conf.{far}.disable_ipv6=1", ns=namespace)
        ip("ip", "link", "set", near, "up")
        ip("ip", "link", "set", far, "up", ns=namespace)
        yield near, far, namespace
    finally:
        subprocess.run(["ip", "link", "del", near], capture_output=True)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


SEND_FROM_NAMESPACE = """
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(bytes.fromhex(sys.argv[2]))
"""


@needs_root_and_ip
def test_raw_interface_link_sends_and_receives_on_a_veth_pair(tmp_path, veth_pair):
    import sys

    near, far, namespace = veth_pair
    recorder = FrameRecorder(tmp_path / "raw.pcap")
    link = RawInterfaceLink(recorder, near)
    try:
        subprocess.run(
            ["ip", "netns", "exec", namespace, sys.executable, "-c", SEND_FROM_NAMESPACE, far, FRAME.hex()],
            check=True, capture_output=True,
        )
        received = recorder.wait_for(lambda p: IPv6 in p, timeout=5)
        assert received is not None and received.data == FRAME
        link.send(FRAME)
        # Our own outgoing frame is recorded once, as tx, never echoed back as rx.
        assert recorder.wait_for(lambda p: True, timeout=0.5, since=recorder.mark()) is None
        assert [f.direction for f in recorder.frames()] == ["rx", "tx"]
    finally:
        link.close()
        recorder.close()


def test_raw_interface_link_on_a_missing_interface_is_a_link_error(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("opening a raw socket needs root")
    with pytest.raises(LinkError):
        RawInterfaceLink(FrameRecorder(tmp_path / "x.pcap"), "hx-no-such-if")


def test_a_listener_that_raises_fails_the_link_and_wakes_waiters_at_once(udp_link):
    """A peer's bug on the receive thread is a lab failure: the wait raises
    LinkError naming it within a second, not None at its timeout."""
    link, peer = udp_link

    def faulty_peer(frame):
        raise AssertionError("peer bug")  # even an AssertionError must not read as a product failure

    link.recorder.subscribe(faulty_peer)
    started = time.monotonic()
    peer.sendto(FRAME, ("127.0.0.1", link.port))
    with pytest.raises(LinkError, match="faulty_peer raised.*AssertionError: peer bug"):
        link.recorder.wait_for(lambda p: False, timeout=30)
    assert time.monotonic() - started < 1.0
    with pytest.raises(LinkError):  # and so does every later use of the link
        link.send(FRAME)


def test_a_listener_that_raises_on_a_sent_frame_is_a_link_error(udp_link):
    link, _ = udp_link
    link.recorder.subscribe(lambda frame: 1 / 0)
    with pytest.raises(LinkError, match="ZeroDivisionError"):
        link.send(FRAME)


def test_a_closed_link_socket_fails_a_waiting_test_at_once(udp_link):
    link, _ = udp_link
    waiter_error: list[BaseException] = []

    def wait() -> None:
        try:
            link.recorder.wait_for(lambda p: False, timeout=30)
        except LinkError as exc:
            waiter_error.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    started = time.monotonic()
    link._sock.close()  # the socket goes away under the receive thread
    waiter.join(timeout=5)
    assert waiter_error and time.monotonic() - started < 1.0


def test_a_capture_that_cannot_be_written_is_a_link_error(udp_link):
    link, _ = udp_link
    link.recorder._writer.close()  # the pcap goes away (evidence disk full or gone)
    with pytest.raises(LinkError, match="cannot be written"):
        link.send(FRAME)
    with pytest.raises(LinkError):
        link.recorder.wait_for(lambda p: True, timeout=30)


def test_the_tester_skips_tcp_and_udp_frames_without_dissecting_them_but_not_icmpv6():
    from scapy.layers.inet import TCP, UDP
    from scapy.layers.inet6 import ICMPv6ND_NS, IPv6ExtHdrHopByHop

    from harness.lab.tester import _may_be_icmpv6

    assert _may_be_icmpv6(bytes(Ether() / IPv6() / ICMPv6ND_NS(tgt="fe80::1")))
    assert _may_be_icmpv6(bytes(Ether() / IPv6() / IPv6ExtHdrHopByHop() / ICMPv6ND_NS(tgt="fe80::1")))
    assert not _may_be_icmpv6(bytes(Ether() / IPv6() / TCP()))
    assert not _may_be_icmpv6(bytes(Ether() / IPv6() / UDP()))
    assert not _may_be_icmpv6(b"\x00" * 10)
