"""AP-CELL, Attach Reject handling (TS 24.301 5.5.1.2.5): what the terminal
may and may not do after the network refuses it."""

import time

import pytest

from harness.errors import HarnessError
from harness.verdict import nonconformant

from .conftest import RETRY_WATCH_S, TIMER_TOLERANCE_S

T3346_FOR_THE_CASE_S = 4  # short, so the case stays fast; the network sends it in the Attach Reject


def rejected(cell, cause: int, t3346_s: int | None = None):
    cell.lab.callbox.reject_next_attach(cause, t3346_s)
    exchange = cell.reattach()
    reject = exchange.first("Attach Reject")
    if reject is None or reject.message.emm_cause != cause:
        raise HarnessError(f"the callbox was set to reject with cause #{cause}; the exchange was {exchange.names()}")
    return reject


@pytest.mark.requirement("AP-CELL", "TS24.301-5.5.1.2.5")
@pytest.mark.parametrize("cause, meaning", [(3, "illegal UE: USIM invalid until switched off"),
                                            (11, "PLMN not allowed: not tried again")])
def test_no_new_attach_after_a_final_reject(reattaching, cause, meaning):
    cell = reattaching
    reject = rejected(cell, cause)
    requests = cell.attach_requests_after(cell.lab.trace.mark(), RETRY_WATCH_S)
    if requests:
        nonconformant("TS24.301-5.5.1.2.5", f"no Attach Request after reject #{cause} ({meaning}), watched for "
                      f"{RETRY_WATCH_S:.0f} s", f"{len(requests)} Attach Request(s), the first "
                      f"{requests[0].time - reject.time:.1f} s after the reject")


@pytest.mark.requirement("AP-CELL", "TS24.301-5.5.1.2.5")
def test_no_attach_before_t3346_expires(reattaching):
    """Reject #22 (congestion) with T3346: no attach attempt until T3346 expires."""
    cell = reattaching
    reject = rejected(cell, 22, T3346_FOR_THE_CASE_S)
    t3346 = reject.message.t3346.seconds if reject.message.t3346 else None
    if not t3346:
        raise HarnessError("the callbox sent reject #22 without the T3346 it was given")
    watch = max(0.0, reject.time + t3346 - time.time())
    early = cell.attach_requests_after(cell.lab.trace.mark(), watch)
    early = [m for m in early if m.time < reject.time + t3346 - TIMER_TOLERANCE_S]
    if early:
        nonconformant("TS24.301-5.5.1.2.5", f"no Attach Request within T3346 ({t3346:.0f} s, less "
                      f"{TIMER_TOLERANCE_S:.0f} s for trace timing) of reject #22",
                      f"an Attach Request {early[0].time - reject.time:.1f} s after the reject")
