"""AP-CELL, the network-level identity handshake: the terminal checks the
network (AKA, TS 33.401) and the integrity of the capabilities it claimed."""

import pytest

from harness.cellular.timers import T3460_S
from harness.verdict import nonconformant

MAC_FAILURE = 20  # TS 24.301 9.9.3.9
UE_SECURITY_CAPABILITIES_MISMATCH = 23


def answer_to(exchange, request_name: str):
    """The UE's message right after the network's `request_name`, or None."""
    names = exchange.names()
    if request_name not in names:
        return None
    after = [m for m in exchange.messages[names.index(request_name) + 1:] if m.message.uplink]
    return after[0] if after else None


@pytest.mark.requirement("AP-CELL", "TS24.301-5.4.2.6")
def test_autn_with_a_wrong_mac_is_answered_by_mac_failure(reattaching):
    cell = reattaching
    cell.test_mode("corrupt_next_autn").corrupt_next_autn()
    exchange = cell.reattach()
    answer = answer_to(exchange, "Authentication Request")
    expected = f"Authentication Failure #{MAC_FAILURE} (MAC failure) within T3460 ({T3460_S:.0f} s)"
    if answer is None:
        nonconformant("TS24.301-5.4.2.6", expected, f"no answer; the exchange was {exchange.names()}")
    if answer.message.name != "Authentication Failure" or answer.message.emm_cause != MAC_FAILURE:
        cause = f" #{answer.message.emm_cause}" if answer.message.emm_cause else ""
        nonconformant("TS24.301-5.4.2.6", expected, f"{answer.message.name}{cause}")


@pytest.mark.requirement("AP-CELL", "TS24.301-5.4.3.5")
def test_mismatched_replayed_capabilities_are_rejected(reattaching):
    cell = reattaching
    cell.test_mode("mismatch_next_capabilities").mismatch_next_capabilities()
    exchange = cell.reattach()
    answer = answer_to(exchange, "Security Mode Command")
    expected = f"Security Mode Reject #{UE_SECURITY_CAPABILITIES_MISMATCH} (UE security capabilities mismatch)"
    if answer is None:
        nonconformant("TS24.301-5.4.3.5", expected, f"no answer; the exchange was {exchange.names()}")
    if answer.message.name != "Security Mode Reject" or answer.message.emm_cause != UE_SECURITY_CAPABILITIES_MISMATCH:
        nonconformant("TS24.301-5.4.3.5", expected, answer.message.name)
