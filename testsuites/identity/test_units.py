"""AP-DID, the identity belongs to the unit: it survives a reboot and no
two units share it. (The reboot drops the unit's addresses: the cases
after it form them again, whatever the order.)"""

import tempfile
from pathlib import Path

import pytest

from harness.abort import abandoned_when
from harness.config.models import QemuDut
from harness.drivers.link import FrameRecorder
from harness.drivers.qemu import QemuMachine, store_drive_args
from harness.errors import HarnessError
from harness.verdict import nonconformant


@pytest.mark.requirement("AP-DID", "DID-KEY-PERSISTENCE")
def test_did_is_the_same_after_a_reboot(identity, dut):
    before = identity.did()
    dut.reboot()
    after = identity.did()
    if after != before:
        nonconformant("DID-KEY-PERSISTENCE", f"the same DID after a reboot ({before})", after)


@pytest.mark.requirement("AP-DID", "DID-KEY-PERSISTENCE")
def test_two_units_of_one_image_have_different_dids(identity, dut, lab_config):
    """A second unit from the same firmware image, with its own empty store
    (a factory-fresh device), makes its own key: a DID baked into the image
    would be shared by every unit."""
    if not isinstance(lab_config.dut, QemuDut):
        pytest.skip("a second unit is booted on a QEMU lab; on a bench, compare two units' campaigns")
    if identity.claims.did:
        pytest.skip("the declaration fixes the DID: a second unit has another declaration")
    first = identity.did()
    with tempfile.TemporaryDirectory(prefix="second-unit-") as folder:
        work = Path(folder)
        second_config = lab_config.instance(1) if lab_config.instances > 1 else lab_config
        recorder = FrameRecorder(work / "link.pcap")
        machine = QemuMachine(second_config.dut, work / "run", recorder,
                              store_drive_args(work / "store.img", lab_config.dut.store_mb or 1))
        try:
            # The comparison needs the first unit: if it dies, the second boot stops at once.
            with abandoned_when(dut.failure, lambda _: machine.stop(), "second unit") as first_lost:
                machine.start()
                second = identity.device_info(machine.console).get("did")
        except HarnessError as exc:
            if first_lost:
                raise HarnessError(f"the first unit was lost while the second booted: {first_lost[0]}") from exc
            raise
        finally:
            machine.stop()
            recorder.close()
    if not second:
        nonconformant("DIDCORE-3.1", "the second unit prints its DID (did=)", "none")
    if second == first:
        nonconformant("DID-KEY-PERSISTENCE", "a different DID on another unit of the image", f"both are {first}")

