"""What the AP-SECID modules share: the unit configured by the tester
router and a host stack on its link for the lab's clients, per module."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

import pytest
from netaddr import IPAddress, IPNetwork

from harness.context import Dut
from harness.drivers.hoststack import HostStack
from harness.lab.tester import TesterNode
from harness.verdict import nonconformant
from harness.lab.addressing import UnitAddress

# The lab's login attempts come from addresses of their own (prefix::5ec:0:N),
# so a unit's lockout of one source stops that source only.
SOURCE_BASE = 0x5EC00000000


@dataclass
class UnitOnStack:
    dut: Dut
    tester: TesterNode
    stack: HostStack
    addressing: UnitAddress
    _sources: count = field(default_factory=lambda: count(1))

    @property
    def address(self) -> IPAddress | None:
        return self.addressing.current()

    def fresh_source(self) -> str:
        """A new address of the stack in the tester's prefix."""
        prefix = IPNetwork(self.tester.prefix)
        source = str(IPAddress(prefix.first + SOURCE_BASE + next(self._sources), 6))
        self.stack.add_address(source)
        return source


@pytest.fixture(scope="module")
def _unit_on_stack(dut: Dut, tester: TesterNode):
    addressing = UnitAddress(dut, tester)
    addressing.current()
    with HostStack(tester) as stack:
        yield UnitOnStack(dut, tester, stack, addressing)


@pytest.fixture
def unit(_unit_on_stack: UnitOnStack) -> UnitOnStack:
    """The module's unit on the host stack; a unit that formed no address
    cannot be reached by the lab's clients, and that is its failure."""
    if _unit_on_stack.address is None:
        nonconformant("RFC4862-5.5.3", "an address formed from the tester's prefix, to reach the unit at", "none formed")
    return _unit_on_stack
