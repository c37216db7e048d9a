"""AP-CELL, power saving: the PSM timers (TS 24.301 5.3.11) and eDRX
parameters (5.3.12) in the Attach Request are the ones the AT commands set."""

import pytest

from harness.cellular.at_responses import parse_cedrxs, parse_cpsms
from harness.cellular.timers import GprsTimer2, GprsTimer3
from harness.verdict import nonconformant

# Used when the declaration names no PSM / eDRX values of its own.
DEFAULT_T3324_S = 10
DEFAULT_T3412_EXTENDED_S = 3600
DEFAULT_EDRX_VALUE = "0101"  # 81.92 s (TS 24.008 Table 10.5.5.32)
EDRX_ACT = {"cat1": 4, "nbiot": 5}  # +CEDRXS <AcT-type> (TS 27.007 7.40)


def request_psm(cell) -> tuple[str, str]:
    """+CPSMS with the declared (or default) timers; their bits (T3324, T3412 extended)."""
    claims = cell.claims
    active = GprsTimer2.encode(claims.psm_t3324_s if claims.psm_t3324_s is not None else DEFAULT_T3324_S).bits
    tau = GprsTimer3.encode(claims.psm_t3412_extended_s if claims.psm_t3412_extended_s is not None
                            else DEFAULT_T3412_EXTENDED_S).bits
    cell.lab.modem.command(f'AT+CPSMS=1,,,"{tau}","{active}"')
    return active, tau


@pytest.mark.requirement("AP-CELL", "TS24.301-5.3.11")
def test_psm_timers_are_requested_as_cpsms_sets_them(reattaching):
    cell = reattaching
    request_psm(cell)
    setting = parse_cpsms(cell.lab.modem.command("AT+CPSMS?").with_prefix("+CPSMS")[0])
    request = cell.reattach().request
    sent = (request.t3324.bits if request.t3324 else None,
            request.t3412_extended.bits if request.t3412_extended else None)
    if sent != (setting.active_time, setting.periodic_tau):
        nonconformant("TS24.301-5.3.11", f"T3324 {setting.active_time} and T3412 extended {setting.periodic_tau} "
                      "(+CPSMS?) in the Attach Request", f"T3324 {sent[0]}, T3412 extended {sent[1]}")


@pytest.mark.requirement("AP-CELL", "TS24.301-5.3.12")
def test_edrx_parameters_are_requested_as_cedrxs_sets_them(reattaching):
    cell = reattaching
    value = cell.claims.edrx_value or DEFAULT_EDRX_VALUE
    cell.lab.modem.command(f'AT+CEDRXS=1,{EDRX_ACT[cell.category]},"{value}"')
    setting = parse_cedrxs(cell.lab.modem.command("AT+CEDRXS?").with_prefix("+CEDRXS")[0])
    request = cell.reattach().request
    if request.edrx is None:
        nonconformant("TS24.301-5.3.12", f"eDRX parameters with value {setting.value} (+CEDRXS?) in the Attach Request",
                      "no eDRX parameters IE")
    sent = f"{request.edrx[0] & 0x0F:04b}"
    if sent != setting.value:
        nonconformant("TS24.301-5.3.12", f"eDRX value {setting.value} (+CEDRXS?)", f"eDRX value {sent}")
