"""IPv6 protocol knowledge: address arithmetic and the frame judgements,
each shown to accept a conformant frame and to name what a broken one breaks."""

from __future__ import annotations

import pytest
from netaddr import IPAddress
from scapy.layers.inet6 import (
    ICMPv6DestUnreach,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6MLDone,
    ICMPv6MLDMultAddrRec,
    ICMPv6MLReport,
    ICMPv6MLReport2,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrHopByHop,
    RouterAlert,
)
from scapy.layers.inet import UDP
from scapy.layers.l2 import Ether

from harness.ipv6 import addresses as addr
from harness.ipv6 import frames

MAC = "52:54:00:12:34:56"
LL = "fe80::5054:ff:fe12:3456"
NEIGHBOUR = "fe80::1"
NEIGHBOURS = {IPAddress(NEIGHBOUR)}


def parsed(pkt):
    return Ether(bytes(Ether(src=MAC, dst="33:33:00:00:00:01") / pkt))


def test_eui64_link_local_from_mac():
    assert addr.eui64_link_local(MAC) == IPAddress(LL)
    assert addr.eui64_address("2001:db8:1::/64", MAC) == IPAddress("2001:db8:1::5054:ff:fe12:3456")


def test_solicited_node_group_and_its_mac():
    assert addr.solicited_node(LL) == IPAddress("ff02::1:ff12:3456")
    assert addr.multicast_mac("ff02::1:ff12:3456") == "33:33:ff:12:34:56"


def test_iid_kind_tells_eui64_from_opaque():
    assert addr.iid_kind("2001:db8:1::5054:ff:fe12:3456", MAC) is addr.IidKind.EUI64
    assert addr.iid_kind("2001:db8:1::a1b2:c3d4:e5f6:789", MAC) is addr.IidKind.OPAQUE


def test_address_helpers_reject_ipv4():
    with pytest.raises(ValueError):
        addr.ip("192.0.2.1")


def dad(**overrides):
    ipv6 = dict(src="::", dst="ff02::1:ff12:3456", hlim=255)
    ipv6.update(overrides)
    return parsed(IPv6(**ipv6) / ICMPv6ND_NS(tgt=LL))


def test_conformant_dad_probe_has_no_findings():
    pkt = dad()
    assert frames.is_dad_probe(pkt, MAC, NEIGHBOURS, target=LL)
    assert frames.judge_dad_probe(pkt) == []


@pytest.mark.parametrize(
    "pkt, finding",
    [
        (dad(hlim=64), "hop limit 64"),
        (dad(dst="ff02::1"), "not the solicited-node address"),
        (parsed(IPv6(src="::", dst="ff02::1:ff12:3456") / ICMPv6ND_NS(tgt=LL) / ICMPv6NDOptSrcLLAddr(lladdr=MAC)), "source link-layer"),
    ],
    ids=["hop limit", "destination", "slla with unspecified source"],
)
def test_broken_dad_probe_is_named(pkt, finding):
    assert any(finding in f for f in frames.judge_dad_probe(pkt))


def test_ns_for_the_nodes_own_address_is_a_dad_probe_whatever_its_source():
    """RFC 4862 5.4.2 probes from ::; a stack that probes from a unicast
    address still probes, and that source is the finding."""
    pkt = dad(src="fe80::1:2")
    assert frames.is_dad_probe(pkt, MAC, NEIGHBOURS)
    assert frames.judge_dad_probe(pkt) == ["source fe80::1:2, not the unspecified address :: (a tentative address is not yet the DUT's)"]


def test_ns_for_a_neighbours_address_is_resolution_not_a_probe():
    resolution = parsed(IPv6(src=LL, dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=NEIGHBOUR) / ICMPv6NDOptSrcLLAddr(lladdr=MAC))
    assert not frames.is_dad_probe(resolution, MAC, NEIGHBOURS)


def test_a_probe_for_a_neighbours_address_from_unspecified_is_still_a_probe():
    """From ::, an NS can only be DAD - even for an address the tester holds."""
    pkt = parsed(IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=NEIGHBOUR))
    assert frames.is_dad_probe(pkt, MAC, NEIGHBOURS)


def mld2(hlim=1, alert=True):
    hbh = IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) if alert else IPv6ExtHdrHopByHop()
    return parsed(IPv6(src=LL, dst="ff02::16", hlim=hlim) / hbh / ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(dst="ff02::1:ff12:3456")]))


def test_conformant_mldv2_report():
    report = frames.mld_report(mld2(), MAC)
    assert report.version == 2 and report.groups == ("ff02::1:ff12:3456",)
    assert frames.judge_mldv2_report(report) == []


def test_mldv1_report_is_named_as_such():
    pkt = parsed(IPv6(src=LL, dst="ff02::1:ff12:3456", hlim=1) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / ICMPv6MLReport(mladdr="ff02::1:ff12:3456"))
    findings = frames.judge_mldv2_report(frames.mld_report(pkt, MAC))
    assert findings == ["MLDv1 report (ICMPv6 type 131) instead of MLDv2 (type 143)"]


@pytest.mark.parametrize("pkt, finding", [(mld2(hlim=2), "hop limit 2"), (mld2(alert=False), "Router Alert")])
def test_broken_mldv2_report_is_named(pkt, finding):
    assert any(finding in f for f in frames.judge_mldv2_report(frames.mld_report(pkt, MAC)))


def test_router_solicitation():
    good = parsed(IPv6(src=LL, dst="ff02::2") / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC))
    assert frames.is_router_solicitation(good, MAC) and frames.judge_router_solicitation(good) == []
    bad = parsed(IPv6(src="::", dst="ff02::1", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC))
    assert len(frames.judge_router_solicitation(bad)) == 2


def na(R=0, S=1, tlla=True, dst="fe80::1"):
    pkt = IPv6(src=LL, dst=dst) / ICMPv6ND_NA(tgt=LL, R=R, S=S, O=1)
    return parsed(pkt / ICMPv6NDOptDstLLAddr(lladdr=MAC) if tlla else pkt)


def test_conformant_solicited_na():
    assert frames.is_neighbor_advert(na(), MAC, LL)
    assert frames.judge_solicited_na(na(), MAC, "fe80::1") == []


@pytest.mark.parametrize(
    "pkt, finding",
    [(na(R=1), "Router flag"), (na(S=0), "Solicited flag"), (na(tlla=False), "no target link-layer"), (na(dst="ff02::1"), "not to the soliciting node")],
)
def test_broken_na_is_named(pkt, finding):
    assert any(finding in f for f in frames.judge_solicited_na(pkt, MAC, "fe80::1"))


def test_echo_reply_matches_source_and_identifier():
    pkt = parsed(IPv6(src="2001:db8:1::5", dst="2001:db8:1::1") / ICMPv6EchoReply(id=7))
    assert frames.is_echo_reply(pkt, MAC, "2001:db8:1::5", 7)
    assert not frames.is_echo_reply(pkt, MAC, "2001:db8:1::5", 8)
    assert not frames.is_echo_reply(pkt, "02:00:00:00:00:09", "2001:db8:1::5", 7)


def test_describe_names_the_icmpv6_message_and_addresses():
    error = parsed(IPv6(src=LL, dst="fe80::1") / ICMPv6DestUnreach(code=4) / IPv6() / UDP())
    assert frames.describe(error) == f"ICMPv6 Destination Unreachable (type 1, code 4) from {LL} to fe80::1"
    assert frames.describe(parsed(IPv6(src=LL, dst="fe80::1") / UDP())) == f"UDP from {LL} to fe80::1"


def test_ip_operation_is_anything_ipv6_but_mld():
    assert frames.operates_ipv6(dad())
    assert not frames.operates_ipv6(mld2())
    assert not frames.operates_ipv6(parsed(IPv6(src="::", dst="ff02::2") / ICMPv6MLDone(mladdr="ff02::1:ff12:3456")))


@pytest.mark.parametrize(
    "source, note",
    [
        (MAC, ""),
        ("02:00:5e:10:da:d1", " from 02:00:5e:10:da:d1 (another MAC; the DUT's is 52:54:00:12:34:56)"),
        ("03:00:00:00:00:01", " from 03:00:00:00:00:01 (a multicast MAC, which no station may send from (IEEE 802); the DUT's is 52:54:00:12:34:56)"),
    ],
    ids=["own", "other unicast", "multicast"],
)
def test_a_frame_from_another_mac_is_named_by_its_mac(source, note):
    pkt = Ether(bytes(Ether(src=source, dst="33:33:00:00:00:01") / IPv6(src=LL, dst="ff02::1") / ICMPv6EchoRequest()))
    assert frames.other_mac_note(pkt, MAC) == note
