"""AP-IPV6, stateless autoconfiguration and duplicate address detection: the
DUT forms a global address from the tester router's prefix, probes it first,
gives up addresses another node defends, and is reachable on what it keeps."""

import allure
import pytest
from netaddr import IPAddress
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, IPv6

from harness.ipv6.addresses import ALL_NODES, IidKind, iid_kind
from harness.ipv6.frames import describe, judge_dad_probe, operates_ipv6, other_mac_note
from harness.ipv6.timers import DAD_PROBE_WAIT_S, RA_TO_DAD_PROBE_WAIT_S, RETRANS_TIMER_S
from harness.verdict import expect_frame, expect_no_findings, nonconformant
from harness.lab.addressing import (
    address_in_prefix, dad_probe_in, echo_until_reply, fresh_prefix, require_reachable, restarted_link_solicitation,
)

pytestmark = [pytest.mark.needs_feature("ipv6"), pytest.mark.needs_feature("slaac")]

TEMPORARY_ADDRESS_WAIT_S = DAD_PROBE_WAIT_S + 2 * RETRANS_TIMER_S
# A defended address must stay silent past the end of the DAD it failed (one
# RetransTimer after its probe, RFC 4862 5.4): echoes one RetransTimer apart
# for that long plus the processing allowance.
DEFENDED_ECHO_ATTEMPTS = 3


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.5.3")
def test_slaac_address_from_advertised_prefix(dut, slaac, observations):
    """RFC 4862 5.5.3: a Prefix Information option with A=1 and a /64 prefix
    makes the host form an address from it."""
    if slaac.address is None:
        nonconformant(
            "RFC4862-5.5.3",
            f"an address in {slaac.prefix} within {DAD_PROBE_WAIT_S:.0f} s of the RA",
            "no address formed from the advertised prefix",
        )
    kind = iid_kind(slaac.address, dut.mac)
    allure.dynamic.parameter("global address", str(slaac.address))
    allure.dynamic.parameter("interface identifier", kind.value)
    if kind is IidKind.EUI64:
        observations.advise("RFC4862-5.5.3", "the IID is derived from the MAC (EUI-64); RFC 8064 recommends stable privacy IIDs (RFC 7217).")


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.4")
def test_dad_probe_for_global_address(dut, slaac):
    """RFC 4862 5.4: DAD runs on every unicast address before it is assigned,
    the SLAAC address included."""
    if slaac.address is None:
        nonconformant("RFC4862-5.5.3", f"an address in {slaac.prefix}", "none formed")
    probe = expect_frame(slaac.dad_probe, "RFC4862-5.4", f"a DAD probe for {slaac.address} before using it",
                         "the address was used unprobed")
    expect_no_findings(judge_dad_probe(probe.packet), "RFC4862-5.4.2", f"a well-formed DAD probe for {slaac.address}", probe)


@pytest.mark.requirement("AP-IPV6", "RFC4443-4.2")
def test_echo_reply_on_global_address(dut, tester, slaac):
    """RFC 4443 4.2: every node answers an Echo Request sent to one of its
    unicast addresses, here the SLAAC address it formed."""
    if slaac.address is None:
        nonconformant(
            "RFC4443-4.2",
            f"an Echo Reply from the DUT's address in {slaac.prefix}",
            "the DUT formed no address from the advertised prefix (RFC 4862 5.5.3), so nothing answers",
        )
    if echo_until_reply(dut, tester, slaac.address) is None:
        nonconformant("RFC4443-4.2", f"an Echo Reply from {slaac.address}", "no reply")


def defend(tester, target: str) -> None:
    """Answer a DAD probe as the node already owning the address (RFC 4862 5.4.4)."""
    advert = IPv6(src=target, dst=str(ALL_NODES)) / ICMPv6ND_NA(tgt=target, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(
        lladdr=tester.mac
    )
    tester.send_multicast(advert)


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.4.5")
def test_defended_global_address_is_not_used(dut, tester, link_up, dut_link_local):
    """RFC 4862 5.4.5: when another node defends a tentative address, the
    address MUST NOT be assigned: nothing answers on it, while the DUT's
    link-local address still does (control)."""
    prefix = fresh_prefix()
    restarted_link_solicitation(dut)
    mark = dut.recorder.mark()
    tester.router_advertisement(prefix)
    probe = dut.recorder.wait_for(
        dad_probe_in(dut, tester, prefix), DAD_PROBE_WAIT_S, since=mark
    )
    contested = IPAddress(probe.packet[ICMPv6ND_NS].tgt) if probe else address_in_prefix(dut, tester, prefix, mark, wait=0)
    if contested is None:
        nonconformant("RFC4862-5.5.3", f"an address in {prefix} to contest", "none formed")
    defend(tester, str(contested))
    if echo_until_reply(dut, tester, contested, attempts=DEFENDED_ECHO_ATTEMPTS, source=tester.fresh_source()) is not None:
        nonconformant("RFC4862-5.4.5", f"{contested} abandoned after another node defended it", "the DUT answers on it")
    require_reachable(dut, tester, dut_link_local, source=tester.link_local)


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.4.5")
def test_link_local_dad_failure_stops_ip_operation(dut, tester, link_up):
    """RFC 4862 5.4.5: if DAD fails for a link-local address derived from a
    hardware address, IP operation on the interface SHOULD be disabled (a
    Basic requirement of the IPv6 Ready Logo). Checked by advertising a prefix
    afterwards: the DUT must form nothing from it, and send no IPv6 but MLD
    from any MAC - a stack that takes another MAC and starts again is the
    same interface going on."""
    probe = dut.recorder.wait_for(
        dad_probe_in(dut, tester), DAD_PROBE_WAIT_S, since=link_up
    )
    if probe is None:
        nonconformant("RFC4862-5.4.2", "a DAD probe for the link-local address (control)", "none")
    try:
        defended = dut.recorder.mark()
        defend(tester, probe.packet[ICMPv6ND_NS].tgt)
        prefix = fresh_prefix()
        mark = dut.recorder.mark()
        tester.router_advertisement(prefix)
        formed = address_in_prefix(dut, tester, prefix, mark, wait=RA_TO_DAD_PROBE_WAIT_S)
        afterwards = [f for f in dut.recorder.frames(defended, dut.recorder.mark()) if f.direction == "rx"]
    finally:
        dut.reboot()  # IPv6 stays off until the interface is reset by the device itself
    expected = "no IPv6 operation after the link-local address failed DAD"
    if formed is not None:
        nonconformant("RFC4862-5.4.5", expected, f"formed {formed}")
    going_on = next((f for f in afterwards if operates_ipv6(f.packet)), None)
    if going_on is not None:
        nonconformant("RFC4862-5.4.5", expected, f"sent {describe(going_on.packet)}{other_mac_note(going_on.packet, dut.mac)}")


@pytest.mark.requirement("AP-IPV6", "RFC8981-3")
@pytest.mark.needs_feature("temporary-addresses")
def test_temporary_address_is_formed(dut, tester, link_up):
    """RFC 8981 3: a host that supports temporary addresses forms one per
    prefix, with a randomised interface identifier, beside its stable one."""
    prefix = fresh_prefix()
    restarted_link_solicitation(dut)
    mark = dut.recorder.mark()
    tester.router_advertisement(prefix)
    probed: set[IPAddress] = set()

    in_fresh_prefix = dad_probe_in(dut, tester, prefix)

    def second_address_probed(pkt) -> bool:
        if in_fresh_prefix(pkt):
            probed.add(IPAddress(pkt[ICMPv6ND_NS].tgt))
        return len(probed) >= 2

    dut.recorder.wait_for(second_address_probed, TEMPORARY_ADDRESS_WAIT_S, since=mark)
    if len(probed) < 2:
        nonconformant("RFC8981-3", f"a stable and a temporary address in {prefix}", f"{len(probed)} address(es): {sorted(map(str, probed))}")
