"""Bringing the DUT back to a known state between cases."""

from __future__ import annotations

from harness.context import Dut
from harness.drivers.console import run_command
from harness.errors import CommandFailed

LINK_RESTART_TIMEOUT_S = 30.0


def restart_link(dut: Dut) -> int:
    """Restart the DUT's interface (which also clears what it learned from
    routers) and return the recorder index where the new frames start. Uses
    the declared console command, else a machine reset."""
    command = dut.config.declaration.commands.link_restart
    mark = dut.recorder.mark()
    if command:
        try:
            run_command(dut.console, command, LINK_RESTART_TIMEOUT_S)
        except CommandFailed as exc:
            # Half done (down, never up?): the DUT's state is unknown, so the
            # tests after this broken one get a fresh boot, not a dead link.
            dut.lost = f"the declared link_restart exited {exc.status}; DUT state unknown"
            raise
    else:
        dut.machine.reset()
    dut.link_restarts += 1
    return mark
