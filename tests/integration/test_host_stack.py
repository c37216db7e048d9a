"""The host network stack on the DUT's link: a real HTTP client, in a network
namespace bridged to the link, talks to a server on the reference DUT over
IPv6, while the recorder sees every frame and scapy still injects."""

from __future__ import annotations

import os
import sys

import pytest
from scapy.layers.inet import TCP
from scapy.layers.inet6 import IPv6

from harness.config import load_lab_config
from harness.drivers.console import run_command
from harness.drivers.hoststack import HostStack, HostStackError
from harness.drivers.link import FrameRecorder
from harness.drivers.qemu import QemuMachine
from harness.context import Dut
from harness.ipv6.frames import any_reply_from
from harness.lab.tester import TesterNode
from harness.lab.addressing import configure_by_router

HTTP_PORT = 8080
PAGE = "served-by-the-reference-dut"
CLIENT_TIMEOUT_S = 30.0
FETCH = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())"


@pytest.fixture
def configured_dut(tmp_path, make_lab_config):
    """The reference DUT with a global address from the tester router's prefix."""
    config = load_lab_config(make_lab_config("conformant"))
    recorder = FrameRecorder(tmp_path / "link.pcap")
    machine = QemuMachine(config.dut, tmp_path / "run", recorder)
    try:
        machine.start()
        tester = TesterNode(machine.link, config.tester.mac, config.tester.prefix)
        outcome = configure_by_router(Dut(config, machine, recorder), tester)  # link-up, RS, RA, DAD
        assert outcome.address is not None, "the DUT formed no address from the tester's prefix"
        yield machine, recorder, tester, outcome.address
    finally:
        machine.stop()
        recorder.close()


def test_a_real_http_client_in_the_host_stack_reaches_the_dut_over_ipv6(configured_dut):
    machine, recorder, tester, address = configured_dut
    serve = f"mkdir -p /tmp/www && echo {PAGE} > /tmp/www/index.html && busybox httpd -p {HTTP_PORT} -h /tmp/www"
    run_command(machine.console, serve, timeout=30)
    mark = recorder.mark()
    with HostStack(tester) as stack:
        fetched = stack.run([sys.executable, "-c", FETCH, f"http://[{address}]:{HTTP_PORT}/"], CLIENT_TIMEOUT_S)
        assert fetched.returncode == 0, fetched.stderr
        assert fetched.stdout.strip() == PAGE
        # scapy still injects on the same link while the stack is up
        identifier = tester.echo_request(address, machine.dut.lab_nic.mac)
        assert recorder.wait_for(lambda p: any_reply_from(p, machine.dut.lab_nic.mac, identifier), 5, since=mark) is not None
    frames = recorder.frames(mark)
    syn = [f for f in frames if f.direction == "tx" and TCP in f.packet and f.packet[TCP].dport == HTTP_PORT]
    assert syn and syn[0].packet[IPv6].src == str(tester.global_address), "the stack's connection is on the recorded link"
    served = [f for f in frames if f.direction == "rx" and TCP in f.packet and PAGE.encode() in bytes(f.packet[TCP].payload)]
    assert served, "the DUT's answer is in the capture"


def test_a_dead_bridge_makes_clients_a_lab_error(configured_dut):
    _, _, tester, _ = configured_dut
    with HostStack(tester) as stack:
        os.close(stack._tap)  # the TAP goes away under the bridge
        stack._reader.join(timeout=5)
        with pytest.raises(HostStackError, match="bridge died"):
            stack.run(["true"], CLIENT_TIMEOUT_S)
        stack._tap = os.open("/dev/null", os.O_RDONLY)  # something for close() to close
