"""Typed lab configuration: where the DUT is, how to reach it, and what it
declares about itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from harness.config.cellular import (  # the sections, importable from here as before
    CallboxConfig, Cell, Cellular, CellularClaims, ModemPort, SECRET_PATTERN, TestUsim, TraceSource,
)
from harness.config.declaration import (  # the sections, importable from here as before
    ConsoleCommands, DataDestination, DataInventory, DataItem, Declaration, DeclaredIdentifier, ExposedService, Feature,
    IdentityClaims, Region, SecurityLabel, TlsTrust, UpdateClaims,
)
from harness.config.dut import (  # the sections, importable from here as before
    BenchDut, LabgridDut, Nic, PowerCommands, QemuDut, SerialPort,
)
from harness.config.fields import (  # the sections, importable from here as before
    MAC_PATTERN, Mac, Strict, relative_to_config, unicast_mac, valid_regex,
)


class Tester(Strict):
    """The harness's own node on the DUT's link."""

    mac: Mac = "02:00:00:00:00:01"
    prefix: str = Field(default="2001:db8:1::/64", description="prefix the tester router advertises")

    @field_validator("prefix")
    @classmethod
    def _prefix_is_64(cls, value: str) -> str:
        from netaddr import AddrFormatError, IPNetwork

        try:
            network = IPNetwork(value)
        except (AddrFormatError, ValueError):
            raise ValueError(f"not an IPv6 prefix: {value!r}") from None
        if network.version != 6 or network.prefixlen != 64:
            raise ValueError(f"SLAAC needs an IPv6 /64 prefix, got {value!r}")
        return str(network.cidr)


class IdentityServices(Strict):
    """Where the lab resolves DIDs and identifiers. With `emulated`, the
    harness runs the services itself (fixtures/identity) on the tester's
    address of the DUT's link, and the DUT registers with them (the
    declared register_identity command) as a factory would."""

    emulated: bool = False
    resolver: str | None = Field(default=None, description="Universal Resolver base URL (GET /1.0/identifiers/{did})")
    resolver_api: Literal["universal", "bif"] = "universal"
    identifier_service: str | None = Field(default=None, description="Handle-style REST base URL (GET /api/handles/{handle})")
    port: int = Field(default=8900, ge=1024, le=65535, description="emulated: the services' TCP port on the tester's address")

    @model_validator(mode="after")
    def _real_needs_urls(self) -> "IdentityServices":
        if not self.emulated and (self.resolver is None or self.identifier_service is None):
            raise ValueError("a lab without emulated services needs resolver and identifier_service URLs")
        return self


class DataEndpoint(Strict):
    """A destination of the device's data, stood in for by the harness's MQTT
    broker in the host stack on the DUT's link."""

    name: str = Field(min_length=1)
    address: str | None = Field(
        default=None, description="its IPv6 address (off the tester's prefix, reached through the tester router); "
                                  "none: the tester's own address")
    region: Region

    @field_validator("address")
    @classmethod
    def _ipv6_unicast(cls, value: str | None) -> str | None:
        from netaddr import AddrFormatError, IPAddress

        if value is None:
            return value
        try:
            address = IPAddress(value)
        except (AddrFormatError, ValueError):
            raise ValueError(f"not an IPv6 address: {value!r}") from None
        if address.version != 6 or address.is_multicast() or address.is_link_local() or address.is_loopback():
            raise ValueError(f"a data endpoint needs a routable IPv6 unicast address, got {value!r}")
        return str(address)


class DataPlatform(Strict):
    """The lab's stand-ins for the device's data destinations: one mosquitto
    broker (TLS from a lab CA made per campaign) listening at every endpoint
    on the ports the inventory declares."""

    endpoints: list[DataEndpoint] = Field(min_length=1)

    @field_validator("endpoints")
    @classmethod
    def _endpoints_once_each(cls, value: list[DataEndpoint]) -> list[DataEndpoint]:
        names = [endpoint.name for endpoint in value]
        addresses = [endpoint.address for endpoint in value]
        repeated = sorted({name for name in names if names.count(name) > 1}
                          | {str(address) for address in addresses if addresses.count(address) > 1})
        if repeated:
            raise ValueError(f"endpoint names or addresses given more than once: {', '.join(repeated)}")
        return value


class SecidLab(Strict):
    """The lab's side of the security baseline."""

    credentials: Path | None = Field(default=None, description="more user:password pairs to try, one per line")

    _resolve_credentials = field_validator("credentials")(relative_to_config)


class Lab(Strict):
    name: str
    site: str | None = None


class LabConfig(Strict):
    lab: Lab
    dut: Annotated[QemuDut | BenchDut | LabgridDut, Field(discriminator="kind")]
    declaration: Declaration
    tester: Tester = Field(default_factory=Tester)
    cellular: Cellular | None = None
    identity: IdentityServices | None = None
    data_platform: DataPlatform | None = None
    secid: SecidLab = Field(default_factory=SecidLab)

    @property
    def dut_mac(self) -> str:
        return self.dut.lab_nic.mac if isinstance(self.dut, QemuDut) else self.dut.mac

    @property
    def instances(self) -> int:
        return self.dut.instances if isinstance(self.dut, QemuDut) else 1

    def instance(self, index: int) -> "LabConfig":
        """The config of DUT instance `index` (0: this one): its own NIC and
        tester MACs (last octet + index, on every interface) and its own prefix (next /64s)."""
        if index == 0:
            return self
        if not isinstance(self.dut, QemuDut) or index >= self.dut.instances:
            raise ValueError(f"this lab has no DUT instance {index}")
        from netaddr import IPNetwork

        prefix = IPNetwork(self.tester.prefix)
        return self.model_copy(update={
            "dut": self.dut.model_copy(update={"nics": [nic.model_copy(update={"mac": offset_mac(nic.mac, index)})
                                                       for nic in self.dut.nics]}),
            "tester": self.tester.model_copy(update={
                "mac": offset_mac(self.tester.mac, index),
                "prefix": str(IPNetwork((prefix.value + (index << 64), 64), version=6)),
            }),
        })


def offset_mac(mac: str, offset: int) -> str:
    octets = mac.split(":")
    last = int(octets[-1], 16) + offset
    if last > 0xFF:
        raise ValueError(f"{mac} + {offset} leaves the last octet's range")
    return ":".join([*octets[:-1], f"{last:02x}"])


__all__ = [
    "BenchDut",
    "CallboxConfig",
    "Cell",
    "Cellular",
    "CellularClaims",
    "ConsoleCommands",
    "DataDestination",
    "DataEndpoint",
    "DataInventory",
    "DataItem",
    "DataPlatform",
    "Declaration",
    "DeclaredIdentifier",
    "ExposedService",
    "Feature",
    "IdentityClaims",
    "IdentityServices",
    "Lab",
    "LabConfig",
    "LabgridDut",
    "MAC_PATTERN",
    "Mac",
    "ModemPort",
    "Nic",
    "PowerCommands",
    "QemuDut",
    "Region",
    "SECRET_PATTERN",
    "SecidLab",
    "SecurityLabel",
    "SerialPort",
    "Strict",
    "TestUsim",
    "Tester",
    "TlsTrust",
    "TraceSource",
    "UpdateClaims",
    "offset_mac",
    "relative_to_config",
    "unicast_mac",
    "valid_regex",
]
