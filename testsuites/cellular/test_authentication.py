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


def expect_rejection(cell, stimulus: str, request_name: str, clause: str, answer_name: str, cause: int,
                     expected: str) -> None:
    """Arm the callbox's test-mode `stimulus`, re-attach, and judge the UE's
    answer to `request_name`: it must be `answer_name` with EMM cause `cause`."""
    getattr(cell.test_mode(stimulus), stimulus)()
    exchange = cell.reattach()
    answer = answer_to(exchange, request_name)
    if answer is None:
        nonconformant(clause, expected, f"no answer; the exchange was {exchange.names()}")
    if answer.message.name != answer_name or answer.message.emm_cause != cause:
        shown = f" #{answer.message.emm_cause}" if answer.message.emm_cause else ""
        nonconformant(clause, expected, f"{answer.message.name}{shown}")


@pytest.mark.requirement("AP-CELL", "TS24.301-5.4.2.6")
def test_autn_with_a_wrong_mac_is_answered_by_mac_failure(reattaching):
    expect_rejection(reattaching, "corrupt_next_autn", "Authentication Request", "TS24.301-5.4.2.6",
                     "Authentication Failure", MAC_FAILURE,
                     f"Authentication Failure #{MAC_FAILURE} (MAC failure) within T3460 ({T3460_S:.0f} s)")


@pytest.mark.requirement("AP-CELL", "TS24.301-5.4.3.5")
def test_mismatched_replayed_capabilities_are_rejected(reattaching):
    expect_rejection(reattaching, "mismatch_next_capabilities", "Security Mode Command", "TS24.301-5.4.3.5",
                     "Security Mode Reject", UE_SECURITY_CAPABILITIES_MISMATCH,
                     f"Security Mode Reject #{UE_SECURITY_CAPABILITIES_MISMATCH} (UE security capabilities mismatch)")
