"""AP-ACCESS, equipment network-access management: the terminal carries the
licensed module it declares (make, model and revision over AT, its IMEI's
TAC among the model's), and shows the network-access licence number it
declares, well formed. Read where a bench reads them too: the module's AT
port and the unit's console (its electronic label)."""

from __future__ import annotations

import pytest

from harness.access import ModuleIdentity, licence_is_well_formed, module_differences, type_allocation_code
from harness.cellular.at_responses import parse_cgsn, parse_identification
from harness.cellular.errors import ATParseError
from harness.config.models import CellularClaims
from harness.drivers.console import device_info
from harness.errors import HarnessError, ModemCommandError
from harness.identity.identifiers import InvalidIdentifier
from harness.verdict import nonconformant


@pytest.fixture
def claims(lab_config) -> CellularClaims:
    if lab_config.declaration.cellular is None:
        pytest.skip("the declaration has no cellular module")
    return lab_config.declaration.cellular


def _ask(cellular, command: str, clause: str) -> list[str]:
    """A mandatory identification command's information lines. ERROR is the
    module's answer (TS 27.007 makes these commands mandatory); a dead AT
    port is the lab's failure."""
    try:
        return cellular.modem.command(command).lines
    except ModemCommandError as exc:
        nonconformant(clause, f"an answer to {command}", str(exc))


def _reported(cellular, command: str) -> str:
    try:
        return parse_identification(command[2:], _ask(cellular, command, "TS27.007-5.1"))
    except ATParseError as exc:
        nonconformant("TS27.007-5.1", f"the module's answer to {command}", str(exc))


@pytest.mark.requirement("AP-ACCESS", "TS27.007-5.1")
def test_module_is_the_declared_licensed_module(cellular, claims):
    declared = ModuleIdentity(claims.module_manufacturer, claims.module_model, claims.module_revision or "")
    reported = ModuleIdentity(*(_reported(cellular, command) for command in ("AT+CGMI", "AT+CGMM", "AT+CGMR")))
    differences = module_differences(declared, reported)
    if differences:
        nonconformant("TS27.007-5.1", "the module's +CGMI/+CGMM/+CGMR equal the declared licensed module",
                      "; ".join(differences))


@pytest.mark.requirement("AP-ACCESS", "ACCESS-TAC")
def test_imei_tac_is_one_of_the_declared_modules(cellular, claims):
    if not claims.module_tacs:
        nonconformant("ACCESS-TAC", "the declaration lists the licensed module's TACs (module_tacs)", "none")
    try:
        imei = parse_cgsn(_ask(cellular, "AT+CGSN", "ACCESS-TAC"))
        tac = type_allocation_code(imei)
    except (ATParseError, InvalidIdentifier) as exc:
        nonconformant("ACCESS-TAC", "a valid IMEI from +CGSN", str(exc))
    if tac not in claims.module_tacs:
        nonconformant("ACCESS-TAC", f"the IMEI's TAC among the licensed module's {claims.module_tacs}",
                      f"TAC {tac} (IMEI {imei})")


@pytest.mark.requirement("AP-ACCESS", "ACCESS-LICENCE")
@pytest.mark.needs_command("device_info")
def test_network_access_licence_is_declared_and_shown_by_the_unit(dut, claims):
    """The declared licence number is well formed, and the unit's electronic
    label (its device-info `licence=`) shows that number."""
    declared = claims.network_access_licence
    if not declared:
        nonconformant("ACCESS-LICENCE", "a network-access licence number in the declaration", "none")
    if not licence_is_well_formed(declared):
        nonconformant("ACCESS-LICENCE", "a licence number of the form NN-XXXX-NNNNNN", repr(declared))
    if dut.console is None:
        raise HarnessError("the DUT has no console to read its electronic label from")
    shown = device_info(dut.console, dut.config.declaration.commands.device_info).get("licence")
    if shown != declared:
        nonconformant("ACCESS-LICENCE", f"the unit's electronic label shows the declared licence {declared}",
                      repr(shown) if shown is not None else "no licence= line")
