"""AP-IPV6, neighbour discovery: the DUT answers a neighbour that asks for it."""

import pytest

from harness.ipv6.frames import is_neighbor_advert, judge_solicited_na
from harness.ipv6.timers import MAX_MULTICAST_SOLICIT, RETRANS_TIMER_S
from harness.verdict import nonconformant

pytestmark = pytest.mark.needs_feature("ipv6")


@pytest.mark.requirement("AP-IPV6", "RFC4861-7.2.4")
def test_solicited_na_for_link_local_address(dut, tester, dut_link_local):
    """RFC 4861 7.2.4: a node answers an NS for its own address with a
    solicited NA (S=1; R=0 from a host) carrying its link-layer address."""
    for _ in range(MAX_MULTICAST_SOLICIT):
        mark = dut.recorder.mark()
        tester.neighbor_solicitation(dut_link_local)
        frame = dut.recorder.wait_for(
            lambda p: is_neighbor_advert(p, dut.mac, str(dut_link_local)), RETRANS_TIMER_S, since=mark
        )
        if frame is not None:
            break
    else:
        nonconformant(
            "RFC 4861 7.2.4",
            f"a Neighbor Advertisement for {dut_link_local} after {MAX_MULTICAST_SOLICIT} solicitations "
            f"{RETRANS_TIMER_S:.0f} s apart",
            "no answer",
        )
    findings = judge_solicited_na(frame.packet, dut.mac, str(tester.link_local))
    if findings:
        nonconformant("RFC 4861 7.2.4", "a solicited NA with S=1, R=0 and the target link-layer address", "; ".join(findings))
