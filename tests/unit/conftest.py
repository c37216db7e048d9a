"""Fixtures shared by the unit tests."""

from __future__ import annotations

import socket

import pytest

from harness.drivers.link import FrameRecorder, UdpDatagramLink

PEER_WAIT_S = 5.0


@pytest.fixture
def udp_link(tmp_path):
    """A real loopback UDP link and the plain socket at its far end."""
    recorder = FrameRecorder(tmp_path / "link.pcap")
    link = UdpDatagramLink(recorder)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(PEER_WAIT_S)
    link.connect_peer(peer.getsockname()[1])
    yield link, peer
    link.close()
    recorder.close()
    peer.close()
