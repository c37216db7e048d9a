"""AP-IPV6, multicast listener discovery: the DUT answers a querier."""

import pytest
from scapy.layers.inet6 import ICMPv6MLQuery2, IPv6, IPv6ExtHdrHopByHop, RouterAlert

from harness.ipv6.frames import judge_mldv2_report, mld_report
from harness.ipv6.timers import LINK_UP_ALLOWANCE_S
from harness.verdict import expect_frame, expect_no_findings

pytestmark = [pytest.mark.needs_feature("ipv6"), pytest.mark.needs_feature("mldv2")]

MAX_RESPONSE_DELAY_MS = 1000  # RFC 3810 5.1.3: Maximum Response Code below 32768 is the delay in ms


@pytest.mark.requirement("AP-IPV6", "RFC3810-6.2")
def test_general_query_is_answered_with_an_mldv2_report(dut, tester, observations):
    """RFC 3810 6.2: a General Query is answered with Current State Records
    within the Maximum Response Delay."""
    query = (
        IPv6(src=str(tester.link_local), dst="ff02::1", hlim=1)
        / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
        / ICMPv6MLQuery2(mrd=MAX_RESPONSE_DELAY_MS)
    )
    mark = dut.recorder.mark()
    tester.send_multicast(query)
    allowed = MAX_RESPONSE_DELAY_MS / 1000 + LINK_UP_ALLOWANCE_S
    frame = expect_frame(dut.recorder.wait_for(lambda p: mld_report(p, dut.mac) is not None, allowed, since=mark),
                         "RFC3810-6.2", f"a report within {MAX_RESPONSE_DELAY_MS} ms of a General Query", "none")
    sent = dut.recorder.frames(mark, mark + 1)[0].time
    observations.measure("General Query response delay", frame.time - sent, "s", high=allowed)
    expect_no_findings(judge_mldv2_report(mld_report(frame.packet, dut.mac)), "RFC3810-6.2",
                       "an MLDv2 report to ff02::16, hop limit 1, Router Alert", frame)
