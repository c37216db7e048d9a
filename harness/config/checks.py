"""Checks across fields of a valid lab config: what would break a campaign
at its start if it got that far. Each names the key path it is about, so
the loader can give its line."""

from __future__ import annotations

from harness.config.models import LabConfig, QemuDut, offset_mac

Loc = tuple[str | int, ...]


def _dut_mac_path(config: LabConfig) -> Loc:
    return ("dut", "nic", "mac") if isinstance(config.dut, QemuDut) else ("dut", "mac")


def cross_checks(config: LabConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    if config.dut_mac == config.tester.mac:
        clash = f"the tester and the DUT share the MAC address {config.tester.mac}; their frames could not be told apart"
        problems += [(_dut_mac_path(config), clash), (("tester", "mac"), clash)]
    if config.instances > 1:
        problems += _instance_clashes(config)
    return problems


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
