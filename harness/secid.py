"""AP-SECID knowledge: which exposed services a scan finds that the device
did not declare, and which of them are cleartext login services. Pure
functions; the suite (testsuites/secid) scans and connects."""

from __future__ import annotations

from harness.config.models import ExposedService
from harness.values.ports import PortState
from harness.malformed import MalformedInput, json_object

# UDP services IoT devices often leave on; a full UDP scan is too slow to be
# useful (Linux rate-limits the ICMPv6 errors that mark a closed port, RFC
# 4443 2.4 f). DNS, DHCP, TFTP, NTP, SNMP, IKE, syslog, DHCPv6, SSDP, mDNS, CoAP.
COMMON_UDP_PORTS = [53, 67, 68, 69, 123, 161, 500, 514, 546, 547, 1900, 5353, 5683]

# TCP ports of login services that carry the password in clear.
CLEARTEXT_LOGIN_PORTS = {21: "FTP (RFC 959)", 23: "Telnet (RFC 854)", 512: "rexec", 513: "rlogin (RFC 1282)",
                         514: "rsh"}
TELNET_IAC = 0xFF
TELNET_NEGOTIATION = {0xFB, 0xFC, 0xFD, 0xFE}  # WILL, WONT, DO, DONT (RFC 854)


def undeclared(open_ports: list[PortState], declared: list[ExposedService]) -> list[PortState]:
    """Open ports the declaration does not name."""
    named = {(service.protocol, service.port) for service in declared}
    return [port for port in open_ports if (port.protocol, port.port) not in named]


def cleartext_greeting(greeting: bytes) -> str | None:
    """What a service's first bytes show it to be, if a cleartext login: a
    Telnet option negotiation, an FTP greeting, or a bare login prompt."""
    if len(greeting) >= 2 and greeting[0] == TELNET_IAC and greeting[1] in TELNET_NEGOTIATION:
        return "Telnet option negotiation (RFC 854)"
    text = greeting.decode("latin-1").lower()
    if text.startswith("220") and "ftp" in text:
        return "an FTP greeting (RFC 959)"
    if text.rstrip().endswith(("login:", "password:")):
        return "a login prompt in clear"
    return None


# -- passwords (EN 303 645 5.1-1) ---------------------------------------------
# Universal default and weak credentials: the most common pairs of the Mirai
# botnet's public list, plus the empty password. A lab adds its own list.
BUILTIN_CREDENTIALS = [
    ("root", ""), ("root", "root"), ("root", "admin"), ("root", "password"), ("root", "123456"), ("root", "12345"),
    ("root", "default"), ("root", "xc3511"), ("root", "vizxv"), ("root", "888888"), ("root", "toor"),
    ("admin", "admin"), ("admin", "password"), ("admin", "1234"), ("admin", ""), ("support", "support"),
    ("user", "user"),
]


class CredentialListError(MalformedInput):
    """A lab credential list line that is not user:password."""


def parse_credentials(text: str, source: str) -> list[tuple[str, str]]:
    """user:password per line ('#' comments and blank lines skipped)."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, colon, password = line.partition(":")
        if not colon or not user:
            raise CredentialListError(f"{source}:{number}: expected user:password, got {line!r}")
        pairs.append((user, password))
    return pairs


def credentials_to_try(lab_list: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys([*BUILTIN_CREDENTIALS, *lab_list]))


# -- brute-force mitigation (EN 303 645 5.1-5) -------------------------------
# A failed login answered as fast at the end of a run as at its start makes
# guessing practical; a run is slowed when its last failures take this many
# times the first one, or stopped when the unit stops answering the source.
BACKOFF_GROWTH = 4.0


def backoff_shown(durations: list[float], stopped: bool) -> bool:
    if stopped:
        return True
    return len(durations) >= 2 and min(durations[-2:]) >= BACKOFF_GROWTH * durations[0]


# -- TLS (EN 303 645 5.5-1) ---------------------------------------------------
ACCEPTABLE_PROTOCOLS = {"TLS 1.2", "TLS 1.3"}
# Broken or obsolete by name (RFC 7465 RC4, RFC 8996 the old versions' MD5/
# export suites, NULL, anonymous, DES and 3DES); TLS_RSA_* has no forward secrecy.
WEAK_SUITE_MARKERS = ("_NULL_", "_EXPORT", "_anon_", "_RC4_", "_DES_", "_3DES_", "DES_CBC", "_MD5")


def weak_suites(suites: list[str]) -> list[str]:
    return [suite for suite in suites if any(marker in suite for marker in WEAK_SUITE_MARKERS)
            or suite.startswith("TLS_RSA_")]


# -- SBOM -------------------------------------------------------------------
class SbomInvalid(MalformedInput):
    """An SBOM that is not a CycloneDX JSON document."""


def parse_sbom(raw: bytes, name: str) -> tuple[dict, str]:
    """The CycloneDX JSON document and its text (its schema validation is
    the suite's: cyclonedx-python-lib's validator for its specVersion)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SbomInvalid(f"SBOM {name} is not UTF-8 (CycloneDX JSON is): {exc}") from None
    document = json_object(text, f"SBOM {name}", SbomInvalid)
    if not isinstance(document.get("specVersion"), str):
        raise SbomInvalid(f"SBOM {name} has no specVersion string")
    return document, text


def sbom_components(document: dict) -> dict[str, str]:
    """name -> version of a CycloneDX document's components."""
    components = document.get("components", [])
    if not isinstance(components, list):
        raise SbomInvalid("the SBOM's components is not a list")
    found = {}
    for component in components:
        if not isinstance(component, dict) or not isinstance(component.get("name"), str):
            raise SbomInvalid(f"an SBOM component without a name string: {str(component)[:120]}")
        version = component.get("version", "")
        found[component["name"]] = version if isinstance(version, str) else str(version)
    return found


def component_differences(declared: dict[str, str], reported: dict[str, str]) -> list[str]:
    out = [f"{name} {version} runs on the unit, not in the SBOM" for name, version in sorted(reported.items())
           if name not in declared]
    out += [f"{name} is in the SBOM, not on the unit" for name in sorted(set(declared) - set(reported))]
    out += [f"{name}: SBOM {declared[name]}, unit {reported[name]}" for name in sorted(set(declared) & set(reported))
            if declared[name] != reported[name]]
    return out


def parse_component_list(lines: list[str]) -> dict[str, str]:
    components = {}
    for line in lines:
        name, _, version = line.strip().partition(" ")
        if name:
            components[name] = version.strip()
    return components
