"""AP-IPV6, stateless autoconfiguration: the DUT forms a global address from
the tester router's prefix and is reachable on it."""

import allure
import pytest

from harness.ipv6.addresses import iid_kind, in_prefix
from harness.ipv6.frames import is_echo_reply
from harness.ipv6.timers import DAD_PROBE_WAIT_S, RETRANS_TIMER_S
from harness.verdict import nonconformant

pytestmark = [pytest.mark.needs_feature("ipv6"), pytest.mark.needs_feature("slaac")]

# A tentative address answers nothing (RFC 4862 5.4): retry the echo once per
# RetransTimer until DAD has had time to finish, then give up.
ECHO_ATTEMPTS = int(DAD_PROBE_WAIT_S / RETRANS_TIMER_S)


@pytest.mark.requirement("AP-IPV6", "RFC4862-5.5.3")
def test_slaac_address_from_advertised_prefix(dut, slaac):
    """RFC 4862 5.5.3: a Prefix Information option with A=1 and a /64 prefix
    makes the host form an address from it, probed by DAD first (5.4)."""
    if slaac.address is None:
        nonconformant(
            "RFC 4862 5.5.3",
            f"a DAD probe for an address in {slaac.prefix} within {DAD_PROBE_WAIT_S:.0f} s of the RA",
            "no address formed from the advertised prefix",
        )
    assert in_prefix(slaac.address, slaac.prefix)
    kind = iid_kind(slaac.address, dut.mac)
    allure.dynamic.parameter("global address", str(slaac.address))
    allure.dynamic.parameter("interface identifier", kind.value)
    if kind.value == "eui64":
        allure.attach(
            "Advisory (not a failure): the IID is derived from the MAC (EUI-64). "
            "RFC 8064 recommends stable privacy IIDs (RFC 7217).",
            name="advisory RFC 8064",
            attachment_type=allure.attachment_type.TEXT,
        )


@pytest.mark.requirement("AP-IPV6", "RFC4443-4.2")
def test_echo_reply_on_global_address(dut, tester, slaac):
    """RFC 4443 4.2: every node answers an Echo Request sent to one of its
    unicast addresses, here the SLAAC address it formed."""
    if slaac.address is None:
        nonconformant(
            "RFC 4443 4.2",
            f"an Echo Reply from the DUT's address in {slaac.prefix}",
            "the DUT formed no address from the advertised prefix (RFC 4862 5.5.3), so nothing answers",
        )
    for _ in range(ECHO_ATTEMPTS):
        mark = dut.recorder.mark()
        identifier = tester.echo_request(slaac.address, dut.mac)
        reply = dut.recorder.wait_for(
            lambda p: is_echo_reply(p, dut.mac, str(slaac.address), identifier), RETRANS_TIMER_S, since=mark
        )
        if reply is not None:
            return
    nonconformant(
        "RFC 4443 4.2",
        f"an Echo Reply from {slaac.address} within {ECHO_ATTEMPTS} requests {RETRANS_TIMER_S:.0f} s apart",
        "no reply",
    )
