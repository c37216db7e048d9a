"""AP-SECID knowledge: which exposed services a scan finds that the device
did not declare, and which of them are cleartext login services. Pure
functions; the suite (testsuites/secid) scans and connects."""

from __future__ import annotations

from harness.config.models import ExposedService
from harness.drivers.nmap import PortState

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
