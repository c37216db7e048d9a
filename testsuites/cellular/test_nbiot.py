"""AP-CELL, NB-IoT only (TS 36.523-1 22.5.4): the CIoT optimisations the UE
network capability declares and extended PCO."""

import pytest

from harness.verdict import nonconformant

from .conftest import require_category


@pytest.mark.requirement("AP-CELL", "TS24.301-5.5.1.2.2", "TS36.523-1-22.5.4")
def test_ue_network_capability_declares_control_plane_ciot(cell, boot_attach):
    """The Attach Request's UE network capability sets control-plane CIoT
    optimisation, and "attach without PDN" exactly when the declaration says so
    (TS 24.301 9.9.3.34)."""
    require_category(cell, "nbiot")
    capability = boot_attach.request.ue_network_capability
    if "CP_CIoT" not in capability:
        nonconformant("TS24.301-5.5.1.2.2", "the CP CIoT bit in the UE network capability",
                      f"bits set: {sorted(capability)}")
    declared = cell.claims.attach_without_pdn
    if declared and "ERw_oPDN" not in capability:
        nonconformant("TS24.301-5.5.1.2.2", "the ERw/oPDN bit (attach without PDN, as declared)",
                      f"bits set: {sorted(capability)}")
    pdn = boot_attach.request.esm
    if not declared and (pdn is None or pdn.name != "PDN Connectivity Request"):
        nonconformant("TS24.301-5.5.1.2.2", "a PDN Connectivity Request in the Attach Request (declared: attach "
                      "with PDN)", f"{'nothing' if pdn is None else pdn.name}")


@pytest.mark.requirement("AP-CELL", "TS24.301-9.9.4.26")
def test_extended_pco_is_used(cell, boot_attach):
    """An NB-IoT UE that sets the ePCO bit sends its protocol configuration
    options as extended PCO, not PCO."""
    require_category(cell, "nbiot")
    pdn = boot_attach.request.esm
    if pdn is None or pdn.name != "PDN Connectivity Request":
        pytest.skip("attach without PDN: no PDN Connectivity Request in the Attach Request")
    if pdn.epco is None or pdn.pco is not None:
        nonconformant("TS24.301-9.9.4.26", "extended PCO (and no PCO) in the PDN Connectivity Request",
                      f"PCO {'present' if pdn.pco is not None else 'absent'}, "
                      f"ePCO {'present' if pdn.epco is not None else 'absent'}")
