"""Checks across fields of a valid lab config: what would break a campaign
at its start if it got that far. Each names the key path it is about, so
the loader can give its line."""

from __future__ import annotations

from harness.config.models import LabConfig, QemuDut

Loc = tuple[str | int, ...]


def _dut_mac_path(config: LabConfig) -> Loc:
    return ("dut", "nic", "mac") if isinstance(config.dut, QemuDut) else ("dut", "mac")


def cross_checks(config: LabConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    if config.dut_mac == config.tester.mac:
        problems.append(
            (("tester", "mac"), f"the tester and the DUT share the MAC address {config.tester.mac}; frames could not be told apart")
        )
    return problems
