"""The tester's own answers and its servers (DNS, DHCPv6) on hostile frames:
whatever the DUT sends - here its real messages from a conformant run's
link capture, mutated - a peer answers it or passes it over. A malformed
frame from the DUT never kills the link (which would make every later case
on it broken) and never reaches a peer as an exception."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from netaddr import IPAddress, IPNetwork

from harness.drivers.link import FrameRecorder
from harness.peers.dhcpv6_server import Dhcpv6Server
from harness.peers.dns_server import DnsServer
from harness.lab.tester import TesterNode
from tests.integration.test_mqtt_broker import NowhereLink
from tests.mutations import HOSTILE, mutated_bytes

# From the reference DUT (52:54:00:12:34:56) in a conformant campaign's link.pcap.
_DHCPV6 = "33330001000252540012345686dd6003d6ca00{length}1101fe80000000000000505400fffe123456ff0200000000000000000000000100020222022300"
DUT_FRAMES = {
    "Solicit": bytes.fromhex(
        _DHCPV6.format(length="3a") + "3a33b5015760620001000e0001000132a92ad45254001234560003000c0000000100000000"
        "00000000000800020000000600020017"),
    "Request": bytes.fromhex(
        _DHCPV6.format(length="64") + "64532503cfe30c0001000e0001000132a92ad45254001234560002000a0003000102000000"
        "0001000300280000000100000000000000000005001820010db80010000000000000000000d600000e1000001c2000000800020000"
        "000600020017"),
    "Information-request": bytes.fromhex(
        _DHCPV6.format(length="2a") + "2ae0e30b19a9a10001000e0001000132a92ad4525400123456000800020000000600020017"),
    "Release": bytes.fromhex(
        _DHCPV6.format(length="5e") + "5e8ab108e8944a0001000e0001000132a92ad45254001234560002000a0003000102000000"
        "000100030028000000010000070800000b400005001820010db80010000000000000000000d600000e1000001c2000000800020000"),
    "DNS query": bytes.fromhex(
        "02000000000152540012345686dd60028b4d0040114020010db8000100009c2c99be6649108020010db8cafe0001000000000000"
        "0035b25300350040cb3f4956010000010000000000001270726f62652d312d313739363633323135320b636f6e666f726d616e63"
        "65076578616d706c650000010001"),
    "Neighbor Solicitation": bytes.fromhex(
        "3333ff00000152540012345686dd6000000000203aff20010db80001000044338ca28724fe0bff0200000000000000000001ff00"
        "0001870041660000000020010db80001000000000000000000010101525400123456"),
}
DUT_FRAMES["DNS AAAA query"] = DUT_FRAMES["DNS query"][:-4] + b"\x00\x1c\x00\x01"
DNS_SERVER = IPAddress("2001:db8:cafe:1::35")


@pytest.fixture(scope="module")
def link(tmp_path_factory):
    recorder = FrameRecorder(tmp_path_factory.mktemp("peers") / "link.pcap")
    tester = TesterNode(NowhereLink(recorder), "02:00:00:00:00:01", "2001:db8:1::/64")
    with DnsServer(tester, [DNS_SERVER]), Dhcpv6Server(tester, IPNetwork("2001:db8:10::/64"), [DNS_SERVER]):
        yield recorder
    recorder.close()


@pytest.mark.parametrize("name", sorted(DUT_FRAMES))
def test_each_real_message_is_answered(link, name):
    before = link.mark()
    link.record("rx", DUT_FRAMES[name])
    assert [frame.direction for frame in link.frames(before)] == ["rx", "tx"], f"{name} answered once"
    assert link.failure is None


# Found by the test below: a Release whose Client Identifier holds no DUID
# made the DHCPv6 server raise into the link.
RELEASE_WITHOUT_DUID = bytes.fromhex(
    "33330001000252540012345686dd6003d6ca005e1101fe80000000000000505400fffe123456ff0200000000000000000000"
    "0001000202220223005e8ab108a92ad45254001234560002000a000300010200000000010003002800000001000007080000"
    "0b400005001820010db80010000000000000000000d600000e1000001c2000000800020000")


@HOSTILE
@given(mutated_bytes(list(DUT_FRAMES.values())))
@example(RELEASE_WITHOUT_DUID)
def test_any_frame_the_dut_sends_is_answered_or_passed_over(link, data):
    link.record("rx", data)
    assert link.failure is None, link.failure

