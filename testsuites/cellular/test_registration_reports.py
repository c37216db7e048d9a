"""AP-CELL, what the module reports on its AT port about the registration
and the PDN (TS 27.007), checked against the NAS trace and the callbox."""

import pytest

from harness.verdict import nonconformant

from .conftest import ACT_BY_CATEGORY
from .test_power_saving import request_psm

# What the network grants instead of what the UE asked for, so the report
# shows which one it carries (TS 24.301 5.3.11: the network decides).
GRANTED_T3324_S = 20
GRANTED_T3412_EXTENDED_S = 7200


@pytest.mark.requirement("AP-CELL", "TS27.007-10.1.22")
def test_cereg_reports_the_access_technology_of_the_category(cell, boot_attach):
    """+CEREG (n=2) reports registered, with <AcT> 7 for Cat-1 or 9 for NB-IoT."""
    report = cell.registration(2)
    if not report.registered:
        nonconformant("TS27.007-10.1.22", "+CEREG reports registered (stat 1 or 5)", f"stat {report.stat_name}")
    expected = ACT_BY_CATEGORY[cell.category]
    if report.act != expected:
        nonconformant("TS27.007-10.1.22", f"<AcT> {expected} for a declared {cell.category} terminal",
                      f"<AcT> {report.act}")


@pytest.mark.requirement("AP-CELL", "TS27.007-10.1.14", "TS24.301-9.9.4.9")
def test_cgpaddr_shows_the_ipv6_address_the_network_gave(cell, boot_attach):
    """+CGPADDR shows an IPv6 address for the default context, the one the
    callbox gave the UE (the network's interface identifier)."""
    cell.registration(2)
    shown = cell.addresses().ipv6
    given = cell.lab.callbox.ue_info().ipv6
    if given is None:
        nonconformant("TS27.007-10.1.14", "an IPv6-capable bearer whose address +CGPADDR shows",
                      "the callbox shows no IPv6 address for the UE")
    if shown != given:
        nonconformant("TS27.007-10.1.14", f"+CGPADDR shows {given}", f"{shown}")


@pytest.mark.requirement("AP-CELL", "TS27.007-10.1.22", "TS24.301-5.3.11")
def test_cereg_n4_shows_the_granted_psm_timers(reattaching):
    """With PSM requested and the network granting other values, +CEREG n=4
    shows the granted T3324 and T3412 extended of the Attach Accept."""
    cell = reattaching
    request_psm(cell)
    cell.lab.callbox.set_psm(True, GRANTED_T3324_S, GRANTED_T3412_EXTENDED_S)
    exchange = cell.reattach()
    accept = exchange.message("Attach Accept")
    if accept is None or accept.t3324 is None:
        pytest.skip("the network granted no PSM (no T3324 in the Attach Accept): nothing to report")
    report = cell.registration(4)
    granted = (accept.t3324.bits, accept.t3412_extended.bits if accept.t3412_extended else None)
    if (report.active_time, report.periodic_tau) != granted:
        nonconformant("TS27.007-10.1.22", f"+CEREG n=4 shows Active-Time {granted[0]} and Periodic-TAU {granted[1]} "
                      "as granted", f"Active-Time {report.active_time}, Periodic-TAU {report.periodic_tau}")
