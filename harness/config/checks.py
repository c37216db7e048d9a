"""Checks across fields of a valid lab config: what would break a campaign
at its start if it got that far. Each names the key path it is about, so
the loader can give its line."""

from __future__ import annotations

from harness.config.models import LabConfig, QemuDut, offset_mac

Loc = tuple[str | int, ...]


def _dut_mac_path(config: LabConfig) -> Loc:
    return ("dut", "nics", 0, "mac") if isinstance(config.dut, QemuDut) else ("dut", "mac")


def cross_checks(config: LabConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    if config.dut_mac == config.tester.mac:
        clash = f"the tester and the DUT share the MAC address {config.tester.mac}; their frames could not be told apart"
        problems += [(_dut_mac_path(config), clash), (("tester", "mac"), clash)]
    if config.instances > 1:
        problems += _instance_clashes(config)
    return problems + _pdn_interface(config) + _data_clashes(config)


def _pdn_interface(config: LabConfig) -> list[tuple[Loc, str]]:
    """The emulated network reaches a QEMU unit's module through an
    interface of its own. (Without an emulated network, that interface stays
    out of the guest: a lab without its cellular section keeps its config.)"""
    if not isinstance(config.dut, QemuDut) or config.cellular is None or not config.cellular.emulated:
        return []
    if config.dut.nic("cellular-pdn") is None:
        return [(("dut", "nics"), "an emulated cellular lab wires the module's PDN to an interface with "
                 "role: cellular-pdn; the DUT has none")]
    return []


def _data_clashes(config: LabConfig) -> list[tuple[Loc, str]]:
    """Every destination names a platform endpoint; no item's topic filter is
    covered by an earlier one (a message goes to the first item it matches,
    so the later item could never be seen)."""
    inventory = config.declaration.data
    if inventory is None:
        return []
    problems: list[tuple[Loc, str]] = []
    items: Loc = ("declaration", "data", "items")
    for index, item in enumerate(inventory.items):
        earlier = next((other for other in inventory.items[:index] if filter_covers(other.topic, item.topic)), None)
        if earlier is not None:
            problems.append(((*items, index, "topic"), f"topic filter {item.topic!r} is covered by item "
                             f"{earlier.name!r} ({earlier.topic!r}): no message could be attributed to {item.name!r}"))
    if config.data_platform is None:
        return problems
    known = {endpoint.name for endpoint in config.data_platform.endpoints}
    for index, item in enumerate(inventory.items):
        for place, destination in enumerate(item.destinations):
            if destination.endpoint not in known:
                problems.append(((*items, index, "destinations", place, "endpoint"),
                                 f"no data_platform endpoint is named {destination.endpoint!r} "
                                 f"(it has {', '.join(sorted(known))})"))
    return problems


def filter_covers(wider: str, narrower: str) -> bool:
    """Whether every topic the MQTT filter `narrower` matches is matched by
    `wider` too (MQTT 3.1.1 4.7: `+` one level, a final `#` any levels)."""
    outer, inner = wider.split("/"), narrower.split("/")
    for index, level in enumerate(outer):
        if level == "#":
            return True
        if index >= len(inner) or inner[index] == "#":
            return False
        if level != "+" and level != inner[index]:
            return False
    return len(inner) == len(outer)


def _instance_clashes(config: LabConfig) -> list[tuple[Loc, str]]:
    """Instances take the next MACs (last octet + i): they must exist and
    not meet the other side's."""
    count = config.instances
    try:
        duts = {offset_mac(config.dut_mac, i) for i in range(count)}
        testers = {offset_mac(config.tester.mac, i) for i in range(count)}
    except ValueError as exc:
        return [(("dut", "instances"), f"{count} instances: {exc}")]
    shared = sorted(duts & testers)
    if shared:
        return [(("dut", "instances"), f"{count} instances would give the DUT and the tester the same MACs: {', '.join(shared)}")]
    return []
