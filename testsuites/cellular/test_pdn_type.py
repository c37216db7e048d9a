"""AP-CELL, the cellular half of "IPv6 by default": the PDN type the terminal
asks for out of the box, and what it does with the type the network grants."""

import pytest

from harness.verdict import nonconformant

from .conftest import CELL_SEARCH_ALLOWANCE_S, PDN_CONFIGURED_WAIT_S, RETRY_WATCH_S

PDN_TYPES = {1: "IPv4", 2: "IPv6", 3: "IPv4v6"}  # TS 24.301 9.9.4.10
IPV6_CAPABLE = {2, 3}


def pdn_type_name(value) -> str:
    return PDN_TYPES.get(value, f"PDN type {value}")


@pytest.mark.requirement("AP-CELL", "TS24.301-6.5.1", "YDT3269-IPV6-DEFAULT")
def test_first_pdn_connectivity_request_asks_for_ipv6(cell, boot_attach):
    """Out of the box (the harness sets no PDP context) the first PDN
    connectivity request - in the Attach Request, or the first standalone one
    after an attach without PDN - asks for IPv6 or IPv4v6."""
    request = boot_attach.request.esm
    if request is None or request.name != "PDN Connectivity Request":
        standalone = cell.lab.trace.wait_for(lambda m: m.name == "PDN Connectivity Request",
                                             CELL_SEARCH_ALLOWANCE_S, since=0)
        request = None if standalone is None else standalone.message
    if request is None:
        nonconformant("TS24.301-6.5.1", "a PDN Connectivity Request (in the Attach Request or after it)",
                      "none in the NAS trace")
    if request.pdn_type not in IPV6_CAPABLE:
        nonconformant("TS24.301-6.5.1", "the first PDN connectivity request asks for PDN type IPv6 or IPv4v6",
                      f"it asks for {pdn_type_name(request.pdn_type)}")


def attached_on(cell, ip_versions: str):
    """Re-attach to a network that allows only `ip_versions`; the attach must complete."""
    cell.lab.callbox.set_ip_versions(ip_versions)
    exchange = cell.reattach()
    if exchange.outcome != "Attach Complete":
        nonconformant("TS24.301-6.5.1.3", f"the attach completes on a network that allows {ip_versions} only",
                      f"the exchange ended with {exchange.outcome}: {exchange.names()}")
    return exchange


@pytest.mark.requirement("AP-CELL", "TS24.301-6.5.1.3")
def test_ipv4_only_grant_is_used_without_reattaching(reattaching):
    """Network allows IPv4 only: the bearer comes with ESM cause #50 (to an
    IPv6-capable request); the terminal keeps working on IPv4 and does not
    detach to ask again."""
    cell = reattaching
    attached_on(cell, "IPV4")
    # A terminal that asked for IPv4 alone gets no #50; it must still stay put.
    after = cell.lab.trace.mark()
    requests = cell.attach_requests_after(after, RETRY_WATCH_S)
    detaches = [m for m in cell.timed(after) if m.message.name == "Detach Request"]
    if requests or detaches:
        nonconformant("TS24.301-6.5.1.3", f"no detach and no new Attach Request within {RETRY_WATCH_S:.0f} s of an "
                      "IPv4-only grant (#50)", f"{len(detaches)} Detach Request(s), {len(requests)} Attach Request(s)")
    addresses = cell.addresses()
    if addresses.ipv4 is None:
        nonconformant("TS24.301-6.5.1.3", "+CGPADDR shows the IPv4 address of the bearer",
                      f"+CGPADDR shows {[str(a) for a in addresses.addresses]}")


@pytest.mark.requirement("AP-CELL", "TS24.301-6.5.1.3", "TS23.401-5.3.1.2.2")
def test_ipv6_only_network_is_reached_over_ipv6(reattaching):
    """Network allows IPv6 only (#51 for an IPv4v6 request): the terminal
    attaches with an IPv6 bearer and a peer across the PDN reaches it at the
    address the network gave."""
    cell = reattaching
    exchange = attached_on(cell, "IPV6")
    granted = exchange.granted_pdn_type
    if granted != 2:
        nonconformant("TS24.301-6.5.1.3", "an IPv6 bearer on an IPv6-only network", f"{pdn_type_name(granted)}")
    address = cell.lab.callbox.ue_info().ipv6
    if address is None:
        nonconformant("TS24.301-6.5.1.3", "the callbox shows the UE's IPv6 address", "none")
    if cell.ping_until_answered(address, PDN_CONFIGURED_WAIT_S) is None:
        nonconformant("TS23.401-5.3.1.2.2", f"an echo reply from {address} across the PDN within "
                      f"{PDN_CONFIGURED_WAIT_S:.0f} s of the attach", "no reply")
