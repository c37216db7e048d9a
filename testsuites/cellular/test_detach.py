"""AP-CELL, switching off (TS 24.301 5.5.2.2): the network is told."""

import pytest

from harness.verdict import nonconformant

from .conftest import SWITCH_OFF_ALLOWANCE_S


@pytest.mark.requirement("AP-CELL", "TS24.301-5.5.2.2")
def test_switch_off_sends_a_switch_off_detach(reattaching):
    cell = reattaching
    cell.registration(2)
    mark = cell.radio_off()
    detach = cell.lab.trace.wait_for(lambda m: m.name == "Detach Request" and m.uplink, SWITCH_OFF_ALLOWANCE_S,
                                     since=mark)
    if detach is None:
        cell.check_lab()
        nonconformant("TS24.301-5.5.2.2", f"a Detach Request within {SWITCH_OFF_ALLOWANCE_S:.0f} s of +CFUN=0",
                      "none in the NAS trace")
    if not detach.message.switch_off:
        nonconformant("TS24.301-5.5.2.2", "the detach type says switch off", "a normal detach")
