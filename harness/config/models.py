"""Typed lab configuration: where the DUT is, how to reach it, and what it
declares about itself."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

MAC_PATTERN = r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"


def _unicast_mac(value: str) -> str:
    if int(value[:2], 16) & 1:
        raise ValueError(f"{value} is a multicast MAC address (first octet odd); a NIC needs a unicast one")
    return value


Mac = Annotated[
    str, Field(pattern=MAC_PATTERN, description="unicast MAC address, lowercase, colon-separated"), AfterValidator(_unicast_mac)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _valid_regex(value: str | None) -> str | None:
    if value is None:
        return None
    if value == "":
        raise ValueError("an empty regular expression matches anywhere; leave the key out for the default")
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


def _relative_to_config(value: Path | None, info: ValidationInfo) -> Path | None:
    """Relative paths in a lab config are relative to the config file; a file
    the config names must exist (a missing image fails now, not at boot).
    Without the config's folder a relative path cannot be checked."""
    base = (info.context or {}).get("base_dir")
    if value is None:
        return value
    try:
        if not value.is_absolute():
            if base is None:
                return value
            value = (Path(base) / value).resolve()
        found = value.is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL, a loop of links
        raise ValueError(f"not a usable path ({getattr(exc, 'strerror', None) or exc}): {str(value)[:120]}") from None
    if not found:
        raise ValueError(f"no such file: {value}")
    return value


class Nic(Strict):
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
    nic: Nic = Field(default_factory=Nic)
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

    _check_ready = field_validator("ready_pattern")(_valid_regex)
    _resolve_paths = field_validator("kernel", "initrd", "disk", "image_manifest")(_relative_to_config)

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

    _check_ready = field_validator("ready_pattern")(_valid_regex)


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

    _check_ready = field_validator("ready_pattern")(_valid_regex)

    @model_validator(mode="after")
    def _place_or_tags(self) -> "LabgridDut":
        if (self.place is None) == (not self.tags):
            raise ValueError("give a place name or tags to reserve one by, not both")
        return self


class ConsoleCommands(Strict):
    """Shell commands the DUT accepts on its console, as declared by the maker.
    A test that needs a command the DUT does not declare is skipped."""

    prompt: str | None = Field(default=None, description="console regex of the shell prompt")
    completion: Literal["exit-status", "prompt"] = Field(
        default="exit-status",
        description="how a command's end and success are read: exit-status (a POSIX shell's $?, echoed after a marker) "
                    "or prompt (the command has ended when the prompt is back; `success` decides whether it worked)",
    )
    success: str | None = Field(
        default=None, description="with completion: prompt, a regex a command's output matches when it succeeded "
                                  "(none: a command that completes succeeded)",
    )
    device_info: str | None = Field(default=None, description="prints key=value lines")
    link_restart: str | None = Field(default=None, description="takes the interface down and up again")
    resolve: str | None = Field(
        default=None, description="looks a host name up with the device's own resolver; {name} stands for the name"
    )
    register_identity: str | None = Field(
        default=None, description="the factory step: registers the device's DID and identifiers with the services at {url}"
    )
    provision_data: str | None = Field(
        default=None, description="points the device's data flows at the lab's platform endpoints ({endpoints}: "
                                  "NAME=ADDRESS words) and makes it trust the lab CA ({ca}: its certificate, DER in base64)",
    )
    stop_data: str | None = Field(default=None, description="stops the device's data flows (after the data window)")
    list_components: str | None = Field(default=None, description="prints the software it runs, one 'name version' per line")

    _check_prompt = field_validator("prompt", "success")(_valid_regex)

    @model_validator(mode="after")
    def _prompt_completion_needs_the_prompt(self) -> "ConsoleCommands":
        if self.completion == "prompt" and self.prompt is None:
            raise ValueError("completion: prompt needs the prompt (a regex) to know when a command has ended")
        return self

    @field_validator("resolve")
    @classmethod
    def _resolve_takes_the_name(cls, value: str | None) -> str | None:
        if value is not None and "{name}" not in value:
            raise ValueError("must contain {name}, where the host name to look up goes")
        return value

    @field_validator("provision_data")
    @classmethod
    def _provision_takes_endpoints_and_ca(cls, value: str | None) -> str | None:
        if value is not None and not ("{endpoints}" in value and "{ca}" in value):
            raise ValueError("must contain {endpoints} and {ca}, where the platform endpoints and the lab CA go")
        return value

    @field_validator("register_identity")
    @classmethod
    def _register_takes_the_url(cls, value: str | None) -> str | None:
        if value is not None and "{url}" not in value:
            raise ValueError("must contain {url}, where the services' base URL goes")
        return value


Feature = Literal["ipv6", "slaac", "mldv2", "dhcpv6", "rdnss", "temporary-addresses", "cat1", "nbiot", "did"]


class DeclaredIdentifier(Strict):
    scheme: Literal["handle", "gtin", "imei", "oid"]
    value: str = Field(min_length=1)


class IdentityClaims(Strict):
    """The device's distributed identity and traceability identifiers."""

    method: Literal["bid", "key"] = Field(description="the DID method the device's DID uses")
    key_type: Literal["Ed25519", "SM2"]
    did: str | None = Field(default=None, description="the unit's DID; none: the one its device-info command prints (did=)")
    auth_endpoint: str = Field(
        description="BIDAuth endpoint over the DUT's IPv6 address: a URL template with {address}",
        examples=["http://[{address}]/cgi-bin/bidauth"],
    )
    mutual: bool = Field(default=False, description="the device also authenticates the platform")
    identifiers: list[DeclaredIdentifier] = Field(default_factory=list)
    label_image: Path | None = Field(default=None, description="a photo or scan of the unit's label (QR code)")

    _resolve_label = field_validator("label_image")(_relative_to_config)

    @field_validator("auth_endpoint")
    @classmethod
    def _endpoint_takes_the_address(cls, value: str) -> str:
        if "{address}" not in value or not value.startswith("http://"):
            raise ValueError("must be an http:// URL template containing {address}, the DUT's IPv6 address")
        return value


class ExposedService(Strict):
    """A network service the device declares it offers (AP-SECID: exposed
    services are the declared ones, EN 303 645 5.6-2)."""

    protocol: Literal["tcp", "udp"]
    port: int = Field(ge=1, le=65535)
    purpose: str = Field(min_length=1)
    tls: bool = Field(default=False, description="the service speaks TLS from its first byte (HTTPS, MQTTS)")
    login: Literal["ssh"] | None = Field(default=None, description="the service is a login of this kind")


class TlsTrust(Strict):
    """How a client checks the device's TLS certificates: the maker's CA
    and the name the certificates are for."""

    ca: Path = Field(description="the CA certificate (PEM) that issues the device's certificates")
    server_name: str = Field(min_length=1, description="the DNS name on the device's certificates")

    _resolve_ca = field_validator("ca")(_relative_to_config)


class UpdateClaims(Strict):
    """The device's update mechanism and a good, signed update from the maker."""

    command: str = Field(description="applies the update at {url} (exit status 0: applied)")
    bundle: Path = Field(description="the maker's signed update")
    signature: Path = Field(description="its signature, which the device fetches from {url}.sig")
    version: str = Field(min_length=1, description="the version the unit runs once the update is applied")
    version_key: str = Field(default="firmware", description="the device-info key that shows the running version")

    _resolve_files = field_validator("bundle", "signature")(_relative_to_config)

    @field_validator("command")
    @classmethod
    def _takes_the_url(cls, value: str) -> str:
        if "{url}" not in value:
            raise ValueError("must contain {url}, where the update's URL goes")
        return value


class SecurityLabel(Strict):
    """The cybersecurity label's data (IoT products, China; basic level and up)."""

    manufacturer: str = Field(min_length=1)
    model: str = Field(min_length=1)
    level: Literal["basic", "enhanced", "leading"]
    valid_until: datetime.date
    test_lab: str = Field(min_length=1)
    standard: str = Field(min_length=1, description="the standard the product was tested against")
    filing_code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{5,}$", description="links the label to the test report")


Region = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code")]


class DataDestination(Strict):
    """Where a data item goes: one of the lab's data platform endpoints."""

    endpoint: str = Field(min_length=1, description="the name of a platform endpoint (the lab config's data_platform)")
    protocol: Literal["mqtt", "mqtts"] = Field(description="mqtt: MQTT over TCP in clear; mqtts: MQTT over TLS")
    port: int = Field(ge=1, le=65535)


class DataItem(Strict):
    """One entry of the device's data inventory (GB/T 43697-2024)."""

    name: str = Field(min_length=1)
    category: str = Field(min_length=1, description="the data category, e.g. device operating data, personal information")
    grade: Literal["general", "important", "core"]
    personal: bool = Field(default=False, description="the item carries personal information")
    purpose: str = Field(min_length=1)
    topic: str = Field(min_length=1, description="the MQTT topic filter its messages are published on (+ and # allowed)")
    fields: list[str] = Field(min_length=1, description="every field name its JSON payload may carry")
    destinations: list[DataDestination] = Field(min_length=1)
    encryption: Literal["none", "tls1.2+", "tlcp"]
    retention_days: int = Field(ge=0)
    cross_border: bool = Field(default=False, description="the item may leave the home region")


class DataInventory(Strict):
    """The device's data inventory and its important-data catalogue."""

    home_region: Region = "CN"
    items: list[DataItem] = Field(min_length=1)
    catalogue: Path | None = Field(default=None, description="the important-data catalogue as filed (JSON)")
    catalogue_topic: str | None = Field(default=None, description="the MQTT topic the unit reports its catalogue on")
    window_timeout_s: float = Field(
        default=60.0, gt=0, le=3600, description="bound on the telemetry window: every item seen twice, or this")

    _resolve_catalogue = field_validator("catalogue")(_relative_to_config)

    @field_validator("items")
    @classmethod
    def _items_once_each(cls, value: list[DataItem]) -> list[DataItem]:
        names = [item.name for item in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"data items named more than once: {', '.join(repeated)}")
        return value


class Declaration(Strict):
    """What the device claims, like a PICS: tests that do not apply are skipped."""

    manufacturer: str
    model: str
    interfaces: list[Literal["ethernet", "wifi", "cat1", "nbiot"]] = Field(min_length=1)
    features: list[Feature] = Field(default_factory=list)
    commands: ConsoleCommands = Field(default_factory=ConsoleCommands)
    cellular: CellularClaims | None = None
    identity: IdentityClaims | None = None
    services: list[ExposedService] = Field(default_factory=list, description="every port the device listens on")
    data: DataInventory | None = None
    tls_trust: TlsTrust | None = None
    update: UpdateClaims | None = None
    sbom: Path | None = Field(default=None, description="the device's SBOM, CycloneDX JSON")
    security_label: SecurityLabel | None = None

    _resolve_sbom = field_validator("sbom")(_relative_to_config)

    @model_validator(mode="after")
    def _tls_services_need_trust(self) -> "Declaration":
        if any(service.tls for service in self.services) and self.tls_trust is None:
            raise ValueError("TLS services are declared: tls_trust must name the CA and the certificates' name")
        return self

    @field_validator("services")
    @classmethod
    def _services_once_each(cls, value: list[ExposedService]) -> list[ExposedService]:
        seen = [(service.protocol, service.port) for service in value]
        repeated = sorted({f"{protocol}/{port}" for protocol, port in seen if seen.count((protocol, port)) > 1})
        if repeated:
            raise ValueError(f"declared more than once: {', '.join(repeated)}")
        return value


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


SECRET_PATTERN = r"^([0-9a-fA-F]{32}|env:[A-Za-z_][A-Za-z0-9_]*)$"


class ModemPort(Strict):
    """The module's AT port the harness talks to (a second USB AT port on a
    bench; the emulated module's when `emulated`)."""

    url: str | None = Field(default=None, description="pyserial URL: /dev/ttyUSB2, socket://host:port; none when emulated")
    baudrate: int = Field(default=115200, gt=0)
    dialect: Literal["generic", "quectel", "simcom"] = "generic"


class CallboxConfig(Strict):
    resource: str | None = Field(
        default=None, description="VISA resource string, e.g. TCPIP::192.0.2.10::5025::SOCKET; none when emulated")
    driver: Literal["cmw"] = "cmw"
    timeout_s: float = Field(default=5.0, gt=0, le=600, description="bound on every SCPI call")


class TraceSource(Strict):
    """Where the NAS trace comes from: GSMTAP datagrams the callbox or a diag
    tool sends to this host, or a pcap/pcapng file it writes."""

    kind: Literal["gsmtap", "pcap"] = "gsmtap"
    port: int = Field(default=4729, ge=0, le=65535, description="UDP port to listen on (0: any free port)")
    path: Path | None = Field(default=None, description="the capture file, for kind pcap")


class TestUsim(Strict):
    """The test USIM in the DUT. K and OPc are 32 hex digits or env:NAME (read
    from the environment); they never appear in evidence."""

    imsi: str = Field(pattern=r"^[0-9]{15}$")
    k: str = Field(pattern=SECRET_PATTERN, description="32 hex digits or env:VARIABLE")
    opc: str = Field(pattern=SECRET_PATTERN, description="32 hex digits or env:VARIABLE")

    @staticmethod
    def secret(value: str) -> bytes:
        if value.startswith("env:"):
            name = value[4:]
            if name not in os.environ:
                raise ValueError(f"the USIM secret names ${name}, which is not set")
            value = os.environ[name]
        return bytes.fromhex(value)


class Cell(Strict):
    rat: Literal["cat1", "nbiot"]
    band: int = Field(default=3, ge=1, le=256)
    mcc: str = Field(default="001", pattern=r"^[0-9]{3}$")
    mnc: str = Field(default="01", pattern=r"^[0-9]{2,3}$")
    ip_versions: Literal["IPV4", "IPV6", "IPV46"] = Field(
        default="IPV46", description="the PDN types the network allows: IPv4, IPv6 or both")
    apn: str = "internet"


class Cellular(Strict):
    """A module-based terminal on a callbox. With `emulated`, the harness
    starts the emulated module and network (fixtures/cellular) and wires the
    QEMU DUT's second serial port and second NIC to them."""

    emulated: bool = False
    modem: ModemPort = Field(default_factory=ModemPort)
    callbox: CallboxConfig = Field(default_factory=CallboxConfig)
    trace: TraceSource = Field(default_factory=TraceSource)
    usim: TestUsim
    cell: Cell
    module_faults: list[str] = Field(default_factory=list, description="emulated module only: fault knobs")

    @model_validator(mode="after")
    def _bench_needs_endpoints(self) -> "Cellular":
        if not self.emulated:
            missing = [name for name, value in (("modem.url", self.modem.url), ("callbox.resource", self.callbox.resource))
                       if value is None]
            if missing:
                raise ValueError(f"a bench (emulated: false) needs {', '.join(missing)}")
            if self.trace.kind == "pcap" and self.trace.path is None:
                raise ValueError("trace kind pcap needs trace.path")
        return self


def _gprs_timer2(seconds: int | None) -> int | None:
    from harness.cellular.timers import GprsTimer2

    GprsTimer2.encode(seconds)  # raises ValueError when no unit holds it exactly
    return seconds


def _gprs_timer3(seconds: int | None) -> int | None:
    from harness.cellular.timers import GprsTimer3

    GprsTimer3.encode(seconds)
    return seconds


class CellularClaims(Strict):
    """What the terminal declares about its cellular side."""

    category: Literal["cat1", "nbiot"]
    module_manufacturer: str
    module_model: str
    imei: str = Field(pattern=r"^[0-9]{15}$")
    software_version: str = Field(default="01", pattern=r"^[0-9]{2}$", description="the SVN of the IMEISV")
    psm_t3324_s: Annotated[int | None, AfterValidator(_gprs_timer2)] = Field(
        default=None, ge=0, description="T3324 the terminal requests (+CPSMS), exactly codable as a GPRS Timer 2")
    psm_t3412_extended_s: Annotated[int | None, AfterValidator(_gprs_timer3)] = Field(
        default=None, ge=0, description="T3412 extended the terminal requests, exactly codable as a GPRS Timer 3")
    edrx_value: str | None = Field(default=None, pattern=r"^[01]{4}$", description="+CEDRXS requested eDRX value")
    attach_without_pdn: bool = False
    # The licensed module (AP-ACCESS): what its +CGMR answers, and the TACs
    # (IMEI digits 1-8, TS 23.003 6.2.1) allotted to its model.
    module_revision: str | None = Field(default=None, description="the module's firmware revision (+CGMR)")
    module_tacs: list[Annotated[str, Field(pattern=r"^[0-9]{8}$")]] = Field(
        default_factory=list, description="Type Allocation Codes of the licensed module model")
    network_access_licence: str | None = Field(
        default=None, description="the terminal's MIIT network-access licence number, as on its label")


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

    _resolve_credentials = field_validator("credentials")(_relative_to_config)


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
        return self.dut.nic.mac if isinstance(self.dut, QemuDut) else self.dut.mac

    @property
    def instances(self) -> int:
        return self.dut.instances if isinstance(self.dut, QemuDut) else 1

    def instance(self, index: int) -> "LabConfig":
        """The config of DUT instance `index` (0: this one): its own NIC and
        tester MACs (last octet + index) and its own prefix (next /64s)."""
        if index == 0:
            return self
        if not isinstance(self.dut, QemuDut) or index >= self.dut.instances:
            raise ValueError(f"this lab has no DUT instance {index}")
        from netaddr import IPNetwork

        prefix = IPNetwork(self.tester.prefix)
        return self.model_copy(update={
            "dut": self.dut.model_copy(update={"nic": self.dut.nic.model_copy(update={"mac": offset_mac(self.dut.nic.mac, index)})}),
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
