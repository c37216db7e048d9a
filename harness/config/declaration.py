"""What the device declares about itself, like a PICS: features, console
commands, identity, services, data, update, label."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from harness.config.cellular import CellularClaims
from harness.config.fields import Strict, relative_to_config, valid_regex


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

    _check_prompt = field_validator("prompt", "success")(valid_regex)

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

    _resolve_label = field_validator("label_image")(relative_to_config)

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

    _resolve_ca = field_validator("ca")(relative_to_config)


class UpdateClaims(Strict):
    """The device's update mechanism and a good, signed update from the maker."""

    command: str = Field(description="applies the update at {url} (exit status 0: applied)")
    bundle: Path = Field(description="the maker's signed update")
    signature: Path = Field(description="its signature, which the device fetches from {url}.sig")
    version: str = Field(min_length=1, description="the version the unit runs once the update is applied")
    version_key: str = Field(default="firmware", description="the device-info key that shows the running version")

    _resolve_files = field_validator("bundle", "signature")(relative_to_config)

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

    _resolve_catalogue = field_validator("catalogue")(relative_to_config)

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

    _resolve_sbom = field_validator("sbom")(relative_to_config)

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
