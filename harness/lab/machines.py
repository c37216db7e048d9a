"""The DUT's machine, composed from the lab config: a QEMU guest (with the
unit's persistent store as a drive of its own), a labgrid place, or a bench
unit. The one place that knows which driver serves which `dut.kind`."""

from __future__ import annotations

from pathlib import Path

from harness.config.models import LabConfig
from harness.drivers.labgrid import LabgridMachine
from harness.drivers.link import FrameRecorder
from harness.drivers.machine import BenchMachine, Machine
from harness.drivers.qemu import CellularWiring, QemuMachine, store_drive_args


def make_machine(config: LabConfig, workdir: Path, recorder: FrameRecorder, unit_store: Path,
                 cellular: CellularWiring | None = None) -> Machine:
    """`cellular`: where the emulated module and network wait for a QEMU unit."""
    dut = config.dut
    if dut.kind == "qemu":
        store = store_drive_args(unit_store, dut.store_mb) if dut.store_mb else []
        return QemuMachine(dut, workdir, recorder, store, cellular)
    if dut.kind == "labgrid":
        return LabgridMachine(dut, workdir, recorder)
    return BenchMachine(dut, workdir, recorder)
