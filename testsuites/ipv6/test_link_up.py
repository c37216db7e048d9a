"""AP-IPV6, passive: what an IPv6-enabled terminal sends on its own when its
interface comes up, with no stimulus from the tester."""

import time

import pytest

from harness.ipv6.frames import (
    is_router_solicitation,
    judge_dad_probe,
    judge_mldv2_report,
    judge_router_solicitation,
    mld_report,
)
from harness.ipv6.timers import (
    DAD_PROBE_WAIT_S,
    LINK_UP_ALLOWANCE_S,
    MLD_REPORT_WAIT_S,
    MLD_REPORTS_SPREAD_S,
    ROUTER_SOLICITATION_WAIT_S,
    RTR_SOLICITATION_INTERVAL_S,
)
from harness.verdict import expect_frame, expect_no_findings, expect_within, nonconformant
from harness.lab.addressing import dad_probe_in, restarted_link_solicitation

pytestmark = pytest.mark.needs_feature("ipv6")

# RFC 7559 2: the first retransmission timeout is IRT plus up to +-10 % (RAND).
MIN_RS_SPACING_S = 0.9 * RTR_SOLICITATION_INTERVAL_S
SECOND_RS_WAIT_S = 1.1 * RTR_SOLICITATION_INTERVAL_S + LINK_UP_ALLOWANCE_S


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.4.2")
def test_dad_probe_for_link_local_address(dut, tester, link_up):
    """RFC 4862 5.4.2: a node MUST run DAD on its link-local address, sending an
    NS from :: to the solicited-node group of the tentative address. An NS
    for the tentative address from any other source is still its probe, and
    judged as one."""
    frame = expect_frame(
        dut.recorder.wait_for(dad_probe_in(dut, tester), DAD_PROBE_WAIT_S, since=link_up), "RFC4862-5.4.2",
        f"a DAD Neighbor Solicitation for a link-local address within {DAD_PROBE_WAIT_S:.0f} s of link-up",
        "no DAD probe from the DUT",
    )
    expect_no_findings(judge_dad_probe(frame.packet), "RFC4862-5.4.2", "a well-formed DAD probe", frame)


@pytest.mark.requirement("AP-IPV6", "RFC3810-5.2")
@pytest.mark.needs_feature("mldv2")
def test_mldv2_report_after_link_up(dut, link_up):
    """RFC 3810 5.2 / RFC 4861 7.2.1: joining the solicited-node group sends an
    unsolicited MLDv2 report to ff02::16, hop limit 1, with a Router Alert."""
    frame = expect_frame(
        dut.recorder.wait_for(lambda p: mld_report(p, dut.mac) is not None, MLD_REPORT_WAIT_S, since=link_up),
        "RFC3810-5.2", f"an unsolicited MLDv2 report within {MLD_REPORT_WAIT_S:.0f} s of link-up",
        "no MLD report from the DUT",
    )
    expect_no_findings(judge_mldv2_report(mld_report(frame.packet, dut.mac)), "RFC3810-5.2",
                       "an MLDv2 report to ff02::16, hop limit 1, Router Alert", frame)


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.7")
def test_router_solicitation_after_link_up(dut, link_up):
    """RFC 4861 6.3.7: a host sends a Router Solicitation to ff02::2 when its
    interface becomes enabled, rather than waiting for a periodic RA."""
    frame = expect_frame(
        restarted_link_solicitation(dut), "RFC4861-6.3.7",
        f"a Router Solicitation within {ROUTER_SOLICITATION_WAIT_S:.0f} s of link-up", "no Router Solicitation from the DUT",
    )
    expect_no_findings(judge_router_solicitation(frame.packet), "RFC4861-6.3.7", "an RS to ff02::2 with hop limit 255", frame)


@pytest.mark.requirement("AP-IPV6", "RFC4861-6.3.7")
def test_router_solicitations_are_spaced_by_the_interval(dut, link_up, observations):
    """RFC 4861 6.3.7 with RFC 7559 2: with no router answering, RSs are
    repeated no faster than RTR_SOLICITATION_INTERVAL (4 s), less the 10 %
    randomisation RFC 7559 allows."""
    first = restarted_link_solicitation(dut)
    if first is None:
        nonconformant("RFC4861-6.3.7", "a first Router Solicitation after link-up", "none")
    second = dut.recorder.wait_for(
        lambda p: is_router_solicitation(p, dut.mac), SECOND_RS_WAIT_S, since=first.index + 1
    )
    if second is None:
        nonconformant(
            "RFC4861-6.3.7", f"a retransmitted Router Solicitation within {SECOND_RS_WAIT_S:.0f} s of the first", "none"
        )
    expect_within(
        observations.measure("RS retransmission interval", second.time - first.time, "s", low=MIN_RS_SPACING_S), "RFC4861-6.3.7",
        f"retransmitted RSs at least {MIN_RS_SPACING_S:.1f} s apart (RFC 7559 2 randomisation allowed)", second,
    )


@pytest.mark.requirement("AP-IPV6", "RFC3810-8")
@pytest.mark.needs_feature("mldv2")
def test_no_mldv1_reports_after_link_up(dut, link_up):
    """RFC 3810 8: an MLDv2 host sends MLDv1 reports only in compatibility
    mode, after hearing an MLDv1 query; the tester sent none."""

    def mldv1_report(pkt) -> bool:
        report = mld_report(pkt, dut.mac)
        return report is not None and report.version == 1

    first = dut.recorder.wait_for(lambda p: mld_report(p, dut.mac) is not None, MLD_REPORT_WAIT_S, since=link_up)
    if first is None:
        nonconformant("RFC3810-8", "MLDv2 reports after link-up", "no MLD report at all")
    # Absence is judged until the link-up's last report is due, counted from
    # its first; an MLDv1 report ends the window early.
    until_last_report = first.time + MLD_REPORTS_SPREAD_S - time.time()
    dut.recorder.wait_for(mldv1_report, max(until_last_report, 0.0), since=link_up)
    reports = [mld_report(f.packet, dut.mac) for f in dut.recorder.frames(link_up) if f.direction == "rx"]
    reports = [r for r in reports if r is not None]
    v1 = [r for r in reports if r.version == 1]
    if v1:
        nonconformant("RFC3810-8", "only MLDv2 reports with no MLDv1 querier present", f"{len(v1)} MLDv1 reports")
