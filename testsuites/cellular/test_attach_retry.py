"""AP-CELL, a network that does not answer (TS 24.301 5.5.1.2.6 c): each
Attach Request is abandoned when T3410 expires and sent again when T3411
expires, until the attach attempt counter reaches its limit; then T3402."""

import pytest

from harness.cellular.timers import ATTACH_ATTEMPT_LIMIT, T3411_S
from harness.verdict import nonconformant

from .conftest import CELL_SEARCH_ALLOWANCE_S, TIMER_TOLERANCE_S


@pytest.mark.slow
@pytest.mark.requirement("AP-CELL", "TS24.301-5.5.1.2.6")
def test_attach_is_retried_after_t3410_up_to_the_attempt_limit(reattaching):
    cell = reattaching
    cell.test_mode("ignore_attach_requests").ignore_attach_requests(ATTACH_ATTEMPT_LIMIT)
    cell.radio_off()
    mark = cell.lab.trace.mark()
    cell.lab.modem.command("AT+CFUN=1")
    spacing = cell.t3410_s + T3411_S
    requests = cell.attach_requests_after(mark, CELL_SEARCH_ALLOWANCE_S)
    while 0 < len(requests) <= ATTACH_ATTEMPT_LIMIT:
        # The next attempt is due T3410 + T3411 after this one; after the
        # limit's, none is due before T3402, so a retry then is one too many.
        due = spacing + (TIMER_TOLERANCE_S if len(requests) < ATTACH_ATTEMPT_LIMIT else CELL_SEARCH_ALLOWANCE_S)
        more = cell.attach_requests_after(mark, due)
        if len(more) == len(requests):
            break
        requests = more
    times = [m.time for m in requests]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    shown = ", ".join(f"{gap:.1f} s" for gap in gaps) or "none"
    if len(requests) < ATTACH_ATTEMPT_LIMIT:
        nonconformant("TS24.301-5.5.1.2.6", f"{ATTACH_ATTEMPT_LIMIT} Attach Requests (the attempt counter's limit), "
                      f"T3410 + T3411 = {spacing:.0f} s apart", f"{len(requests)} attempt(s), gaps {shown}")
    if len(requests) > ATTACH_ATTEMPT_LIMIT:
        nonconformant("TS24.301-5.5.1.2.6", f"no attempt after the {ATTACH_ATTEMPT_LIMIT}th until T3402 expires",
                      f"{len(requests)} attempts, gaps {shown}")
    early = [gap for gap in gaps if gap < spacing - TIMER_TOLERANCE_S]
    if early:
        nonconformant("TS24.301-5.5.1.2.6", f"each retry after T3410 + T3411 ({spacing:.0f} s)", f"gaps {shown}")
