"""Where the DUT is: a QEMU guest, a bench unit, or a labgrid place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from harness.config.fields import Mac, Strict, relative_to_config, valid_regex


# What a DUT interface is for: the lab link the tester shares, or the cellular
# module's data interface on the PDN (wired to the emulated network). Room for
# "wifi" and a second Ethernet when a domain needs them.
NicRole = Literal["lab", "cellular-pdn"]


class Nic(Strict):
    role: NicRole = "lab"
    model: Literal["e1000", "virtio-net-pci", "rtl8139"] = "e1000"
    mac: Mac = "52:54:00:12:34:56"


class QemuDut(Strict):
    """A firmware image booted in QEMU."""

    kind: Literal["qemu"]
    binary: str = "qemu-system-x86_64"
    machine: str = "pc"
    accel: list[Literal["kvm", "tcg", "hvf"]] = Field(default_factory=lambda: ["tcg"], min_length=1)
    memory_mb: int = Field(default=256, ge=32, le=16384)
    kernel: Path | None = None
    initrd: Path | None = None
    disk: Path | None = None
    kernel_args: str = Field(default="", description="appended to the kernel command line")
    console_args: str = "console=ttyS0 quiet panic=-1"
    nics: list[Nic] = Field(
        default_factory=lambda: [Nic()], min_length=1, max_length=4,
        description="the DUT's network interfaces, one per role; the lab one first (the guest's eth0)",
    )
    ready_pattern: str = Field(description="console regex that means the DUT is ready")
    boot_timeout_s: float = Field(default=90.0, gt=0, le=3600)
    image_manifest: Path | None = Field(default=None, description="image.json recorded with the image (hash, inputs)")
    extra_args: list[str] = Field(default_factory=list)
    store_mb: int | None = Field(
        default=None, ge=1, le=1024,
        description="a persistent device store: a raw virtio disk per unit, kept across its reboots for the campaign",
    )
    instances: int = Field(
        default=1, ge=1, le=16,
        description="DUTs booted from this image at once; a campaign spreads its test modules over them",
    )

    _check_ready = field_validator("ready_pattern")(valid_regex)
    _resolve_paths = field_validator("kernel", "initrd", "disk", "image_manifest")(relative_to_config)

    @field_validator("nics")
    @classmethod
    def _one_per_role(cls, nics: list[Nic]) -> list[Nic]:
        roles = [nic.role for nic in nics]
        if roles[0] != "lab":
            raise ValueError("the first interface is the lab link (role: lab): the firmware takes eth0 for it")
        for seen in ("roles", "MAC addresses"):
            values = roles if seen == "roles" else [nic.mac for nic in nics]
            if len(set(values)) != len(values):
                raise ValueError(f"two interfaces share one of their {seen}: {', '.join(values)}")
        return nics

    @property
    def lab_nic(self) -> Nic:
        return self.nics[0]

    def nic(self, role: str) -> Nic | None:
        return next((nic for nic in self.nics if nic.role == role), None)

    @model_validator(mode="after")
    def _boot_source(self) -> "QemuDut":
        if self.kernel is None and self.disk is None:
            raise ValueError("give either a kernel (with an optional initrd) or a disk image")
        return self


class SerialPort(Strict):
    url: str = Field(description="pyserial URL: /dev/ttyUSB0, socket://host:port, rfc2217://host:port")
    baudrate: int = Field(default=115200, gt=0)


class PowerCommands(Strict):
    """Power control through lab commands (a PDU's CLI, a relay script)."""

    power_on: list[str] = Field(min_length=1, description="command that powers the DUT on")
    power_off: list[str] = Field(min_length=1, description="command that powers the DUT off")


class BenchDut(Strict):
    """A physical unit on a bench."""

    kind: Literal["bench"]
    serial: SerialPort
    interface: str = Field(min_length=1, description="host interface cabled to the DUT")
    mac: Mac
    ready_pattern: str
    boot_timeout_s: float = Field(default=120.0, gt=0, le=3600)
    power: PowerCommands | None = None

    _check_ready = field_validator("ready_pattern")(valid_regex)


class LabgridDut(Strict):
    """A unit on a place of a labgrid lab, shared between hosts: reserved by
    tags (or named), acquired for the campaign, always released. The place
    exports the unit's serial port (NetworkSerialPort, raw or RFC 2217) and
    its network interface (NetworkInterface on this host)."""

    kind: Literal["labgrid"]
    coordinator: str = Field(description="labgrid coordinator HOST:PORT (gRPC)")
    place: str | None = Field(default=None, description="the place's name; or give tags")
    tags: dict[str, str] = Field(default_factory=dict, description="reserve any place with these tags")
    mac: Mac
    ready_pattern: str
    boot_timeout_s: float = Field(default=120.0, gt=0, le=3600)
    acquire_timeout_s: float = Field(default=120.0, gt=0, le=86400, description="how long to wait for a free place")

    _check_ready = field_validator("ready_pattern")(valid_regex)

    @model_validator(mode="after")
    def _place_or_tags(self) -> "LabgridDut":
        if (self.place is None) == (not self.tags):
            raise ValueError("give a place name or tags to reserve one by, not both")
        return self
