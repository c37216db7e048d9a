"""AP-IPV6, passive: what an IPv6-enabled terminal sends on its own when its
interface comes up, with no stimulus from the tester."""

import pytest
from scapy.layers.inet6 import ICMPv6ND_NS

from harness.ipv6.addresses import is_link_local
from harness.ipv6.frames import (
    is_dad_probe,
    is_router_solicitation,
    judge_dad_probe,
    judge_mldv2_report,
    judge_router_solicitation,
    mld_report,
)
from harness.ipv6.timers import DAD_PROBE_WAIT_S, MLD_REPORT_WAIT_S, ROUTER_SOLICITATION_WAIT_S
from harness.verdict import nonconformant

pytestmark = pytest.mark.needs_feature("ipv6")


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.4.2")
def test_dad_probe_for_link_local_address(dut, link_up):
    """RFC 4862 5.4.2: a node MUST run DAD on its link-local address, sending an
    NS from :: to the solicited-node group of the tentative address."""
    frame = dut.recorder.wait_for(
        lambda p: is_dad_probe(p, dut.mac) and is_link_local(p[ICMPv6ND_NS].tgt), DAD_PROBE_WAIT_S, since=link_up
    )
    if frame is None:
        nonconformant(
            "RFC 4862 5.4.2",
            f"a DAD Neighbor Solicitation (source ::) for a link-local address within {DAD_PROBE_WAIT_S:.0f} s of link-up",
            "no DAD probe from the DUT",
        )
    findings = judge_dad_probe(frame.packet)
    if findings:
        nonconformant("RFC 4862 5.4.2", "a well-formed DAD probe", "; ".join(findings))


@pytest.mark.requirement("AP-IPV6", "RFC3810-5.2")
@pytest.mark.needs_feature("mldv2")
def test_mldv2_report_after_link_up(dut, link_up):
    """RFC 3810 5.2 / RFC 4861 7.2.1: joining the solicited-node group sends an
    unsolicited MLDv2 report to ff02::16, hop limit 1, with a Router Alert."""
    frame = dut.recorder.wait_for(lambda p: mld_report(p, dut.mac) is not None, MLD_REPORT_WAIT_S, since=link_up)
    if frame is None:
        nonconformant(
            "RFC 3810 5.2",
            f"an unsolicited MLDv2 report within {MLD_REPORT_WAIT_S:.0f} s of link-up",
            "no MLD report from the DUT",
        )
    findings = judge_mldv2_report(mld_report(frame.packet, dut.mac))
    if findings:
        nonconformant("RFC 3810 5.2", "an MLDv2 report to ff02::16, hop limit 1, Router Alert", "; ".join(findings))


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.7")
def test_router_solicitation_after_link_up(dut, link_up):
    """RFC 4861 6.3.7: a host sends a Router Solicitation to ff02::2 when its
    interface becomes enabled, rather than waiting for a periodic RA."""
    frame = dut.recorder.wait_for(lambda p: is_router_solicitation(p, dut.mac), ROUTER_SOLICITATION_WAIT_S, since=link_up)
    if frame is None:
        nonconformant(
            "RFC 4861 6.3.7",
            f"a Router Solicitation within {ROUTER_SOLICITATION_WAIT_S:.0f} s of link-up",
            "no Router Solicitation from the DUT",
        )
    findings = judge_router_solicitation(frame.packet)
    if findings:
        nonconformant("RFC 4861 6.3.7", "an RS to ff02::2 with hop limit 255", "; ".join(findings))
