"""AP-CELL, the attach exchange itself (TS 36.523-1 9.2.1.1.1): the default
bearer is accepted in the Attach Complete, and the identity the terminal
gives the network is the one it declares and reports."""

import pytest
from stdnum import imei as imei_number

from harness.cellular.at_responses import parse_cgsn
from harness.verdict import nonconformant


@pytest.mark.requirement("AP-CELL", "TS24.301-5.5.1.2.4", "TS24.301-6.4.1.3", "TS36.523-1-9.2.1.1.1")
def test_attach_complete_accepts_the_default_bearer(boot_attach):
    """The Attach Complete carries an Activate Default EPS Bearer Context
    Accept for the bearer of the Attach Accept, and the PTI of the network's
    request is the one of the UE's PDN Connectivity Request."""
    if boot_attach.outcome != "Attach Complete":
        nonconformant("TS24.301-5.5.1.2.4", "an Attach Complete after the Attach Accept",
                      f"the exchange ended with {boot_attach.outcome}: {boot_attach.names()}")
    requested, granted = boot_attach.request.esm, boot_attach.default_bearer_request
    accepted = boot_attach.message("Attach Complete").esm
    if accepted is None or accepted.name != "Activate Default EPS Bearer Context Accept":
        nonconformant("TS24.301-5.5.1.2.4", "an Activate Default EPS Bearer Context Accept in the Attach Complete",
                      f"{'nothing' if accepted is None else accepted.name}")
    if granted is not None and accepted.ebi != granted.ebi:
        nonconformant("TS24.301-6.4.1.3", f"the accept names EBI {granted.ebi} (the Attach Accept's bearer)",
                      f"EBI {accepted.ebi}")
    if requested is not None and granted is not None and granted.pti != requested.pti:
        nonconformant("TS24.301-6.4.1.3", f"the network's request answers PTI {requested.pti}", f"PTI {granted.pti}")


@pytest.mark.requirement("AP-CELL", "TS24.301-5.4.3.3", "TS23.003-6.2")
def test_imeisv_is_the_declared_and_reported_imei(cell, boot_attach):
    """The IMEISV in the Security Mode Complete (or an Identity Response) has
    the IMEI that +CGSN reports and the declaration names, whose check digit
    is valid."""
    declared = cell.claims.imei
    reported = parse_cgsn(cell.lab.modem.command("AT+CGSN").lines)
    for source, value in (("declared", declared), ("+CGSN", reported)):
        if not imei_number.is_valid(value):
            nonconformant("TS23.003-6.2", f"the {source} IMEI has a valid check digit", value)
    if reported != declared:
        nonconformant("TS23.003-6.2", f"+CGSN reports the declared IMEI {declared}", reported)
    given = [m.identity for m in (boot_attach.message("Security Mode Complete"), boot_attach.message("Identity Response"))
             if m is not None and m.identity]
    if not given:
        nonconformant("TS24.301-5.4.3.3", "an IMEISV in the Security Mode Complete",
                      f"none in the exchange {boot_attach.names()}")
    if any(value[:14] != declared[:14] for value in given):
        nonconformant("TS24.301-5.4.3.3", f"the IMEISV carries the IMEI's first 14 digits {declared[:14]}",
                      f"{', '.join(given)}")
