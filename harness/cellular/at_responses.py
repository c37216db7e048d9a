"""Parsers for the information lines of TS 27.007 responses. Each takes the
line(s) the AT channel returned (final result code already removed) and
gives a typed record, or raises ATParseError naming the command and line."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from harness.cellular.errors import ATParseError
from harness.cellular.timers import GprsTimer2, GprsTimer3

# TS 27.007 10.1.22: <stat> values of +CEREG.
CEREG_STAT_NAMES = {
    0: "not registered, not searching",
    1: "registered, home network",
    2: "not registered, searching",
    3: "registration denied",
    4: "unknown",
    5: "registered, roaming",
}
# TS 27.007 7.3: <AcT> values this harness judges.
ACT_EUTRAN = 7
ACT_EUTRAN_NBS1 = 9
# TS 27.007 7.40: <AcT-type> of +CEDRXS.
EDRX_ACT_EUTRAN_WB = 4
EDRX_ACT_EUTRAN_NB = 5


@dataclass(frozen=True)
class Field:
    """One comma-separated field: its text and whether it was quoted."""

    text: str
    quoted: bool

    @property
    def empty(self) -> bool:
        return not self.quoted and self.text == ""


def split_fields(command: str, line: str) -> list[Field]:
    """Split the text after '+CMD: ' on commas outside double quotes."""
    fields: list[Field] = []
    current: list[str] = []
    quoted = in_quotes = False
    for char in line:
        if char == '"':
            if in_quotes:
                in_quotes = False
            elif current:
                raise ATParseError(command, line, "quote in the middle of a field")
            else:
                in_quotes = quoted = True
            continue
        if char == "," and not in_quotes:
            fields.append(Field("".join(current).strip(), quoted))
            current, quoted = [], False
            continue
        current.append(char)
    if in_quotes:
        raise ATParseError(command, line, "unterminated quoted string (line cut?)")
    fields.append(Field("".join(current).strip(), quoted))
    return fields


def strip_prefix(command: str, line: str) -> str:
    prefix = f"{command}:"
    if not line.startswith(prefix):
        raise ATParseError(command, line, f"expected the prefix {prefix!r}")
    return line[len(prefix):].strip()


# No field of these commands needs more digits (a cell identity is 28 bits).
MAX_FIELD_DIGITS = 10
_INTEGER = re.compile(r"[0-9]+")  # ASCII digits: \d also takes other scripts' digits


def to_int(command: str, line: str, field: Field, name: str) -> int:
    if field.quoted or not _INTEGER.fullmatch(field.text):
        raise ATParseError(command, line, f"{name} is not an unquoted integer: {field.text[:40]!r}")
    if len(field.text) > MAX_FIELD_DIGITS:
        raise ATParseError(command, line, f"{name} has {len(field.text)} digits, more than {MAX_FIELD_DIGITS}")
    return int(field.text)


def optional_int(command: str, line: str, fields: list[Field], index: int, name: str) -> int | None:
    if index >= len(fields) or fields[index].empty:
        return None
    return to_int(command, line, fields[index], name)


def optional_text(fields: list[Field], index: int) -> str | None:
    """A field's text; None when omitted or an empty string."""
    if index >= len(fields) or fields[index].text == "":
        return None
    return fields[index].text


def bit_string(command: str, line: str, value: str | None, length: int, name: str) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(f"[01]{{{length}}}", value):
        raise ATParseError(command, line, f"{name} is not a {length}-bit string: {value!r}")
    return value


# ---------------------------------------------------------------- +CEREG


@dataclass(frozen=True)
class CeregReport:
    """+CEREG read response (n set) or unsolicited result (n is None)."""

    n: int | None
    stat: int
    tac: str | None = None
    ci: str | None = None
    act: int | None = None
    cause_type: int | None = None
    reject_cause: int | None = None
    active_time: str | None = None  # GPRS Timer 2 octet as 8 bits (T3324)
    periodic_tau: str | None = None  # GPRS Timer 3 octet as 8 bits (T3412 extended)

    @property
    def registered(self) -> bool:
        return self.stat in (1, 5)

    @property
    def stat_name(self) -> str:
        return CEREG_STAT_NAMES.get(self.stat, f"stat {self.stat}")

    @property
    def active_time_s(self) -> float | None:
        return None if self.active_time is None else GprsTimer2.from_bits(self.active_time).seconds

    @property
    def periodic_tau_s(self) -> float | None:
        return None if self.periodic_tau is None else GprsTimer3.from_bits(self.periodic_tau).seconds


def parse_cereg(line: str) -> CeregReport:
    """Both forms: the read response starts with <n>, the URC with <stat>.
    The second field tells them apart: <stat> (an integer) in the read
    response, <tac> (a quoted hex string, or empty) in the URC."""
    command = "+CEREG"
    fields = split_fields(command, strip_prefix(command, line))
    if len(fields) >= 2 and not fields[1].quoted and _INTEGER.fullmatch(fields[1].text):
        n: int | None = to_int(command, line, fields[0], "<n>")
        fields = fields[1:]
    else:
        n = None
    stat = to_int(command, line, fields[0], "<stat>")
    if stat not in CEREG_STAT_NAMES:
        raise ATParseError(command, line, f"<stat> {stat} is not defined in TS 27.007 10.1.22")
    tac, ci = optional_text(fields, 1), optional_text(fields, 2)
    for name, value in (("<tac>", tac), ("<ci>", ci)):
        if value is not None and not re.fullmatch(r"[0-9A-Fa-f]+", value):
            raise ATParseError(command, line, f"{name} is not hexadecimal: {value!r}")
    return CeregReport(
        n=n,
        stat=stat,
        tac=tac,
        ci=ci,
        act=optional_int(command, line, fields, 3, "<AcT>"),
        cause_type=optional_int(command, line, fields, 4, "<cause_type>"),
        reject_cause=optional_int(command, line, fields, 5, "<reject_cause>"),
        active_time=bit_string(command, line, optional_text(fields, 6), 8, "<Active-Time>"),
        periodic_tau=bit_string(command, line, optional_text(fields, 7), 8, "<Periodic-TAU>"),
    )


# ---------------------------------------------------------------- addresses


def parse_address(command: str, line: str, text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as TS 27.007 prints it: dotted IPv4, IPv6 as 16 dotted
    decimal octets (the default) or in colon notation (after +CGPIAF)."""
    octets = text.split(".")
    try:
        if ":" in text:
            return ipaddress.IPv6Address(text)
        if len(octets) == 16:
            if not all(re.fullmatch(r"[0-9]{1,3}", octet) for octet in octets):
                raise ValueError("16 dotted octets of 1 to 3 decimal digits each")
            return ipaddress.IPv6Address(bytes(int(octet) for octet in octets))
        return ipaddress.IPv4Address(text)
    except ValueError as error:
        raise ATParseError(command, line, f"not an address: {text[:80]!r} ({error})") from None


@dataclass(frozen=True)
class PdpAddresses:
    cid: int
    addresses: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]

    @property
    def ipv6(self) -> ipaddress.IPv6Address | None:
        return next((a for a in self.addresses if a.version == 6), None)

    @property
    def ipv4(self) -> ipaddress.IPv4Address | None:
        return next((a for a in self.addresses if a.version == 4), None)


def parse_cgpaddr(line: str) -> PdpAddresses:
    command = "+CGPADDR"
    fields = split_fields(command, strip_prefix(command, line))
    cid = to_int(command, line, fields[0], "<cid>")
    addresses = tuple(parse_address(command, line, f.text) for f in fields[1:] if not f.empty and f.text)
    return PdpAddresses(cid, addresses)


@dataclass(frozen=True)
class ContextDynamicParameters:
    """+CGCONTRDP: one line per IP type of an active context."""

    cid: int
    bearer_id: int
    apn: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    prefix_length: int | None
    gateway: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    dns: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]


def address_and_mask(command: str, line: str, text: str):
    """<local_addr and subnet_mask>: 8 (IPv4) or 32 (IPv6) dotted octets, or
    'address mask' separated by a space in the +CGPIAF format."""
    if " " in text:
        address_text, mask_text = text.split(None, 1)
        address = parse_address(command, line, address_text)
        mask = parse_address(command, line, mask_text)
    else:
        octets = text.split(".")
        if len(octets) not in (8, 32):
            return parse_address(command, line, text), None
        half = len(octets) // 2
        address = parse_address(command, line, ".".join(octets[:half]))
        mask = parse_address(command, line, ".".join(octets[half:]))
    bits = bin(int(mask)).count("1")
    return address, bits


def parse_cgcontrdp(line: str) -> ContextDynamicParameters:
    command = "+CGCONTRDP"
    fields = split_fields(command, strip_prefix(command, line))
    if len(fields) < 3:
        raise ATParseError(command, line, "fewer than <cid>,<bearer_id>,<apn>")
    address = prefix = gateway = None
    if (text := optional_text(fields, 3)) is not None:
        address, prefix = address_and_mask(command, line, text)
    if (text := optional_text(fields, 4)) is not None:
        gateway = parse_address(command, line, text)
    dns = tuple(parse_address(command, line, f.text) for f in fields[5:7] if not f.empty and f.text)
    return ContextDynamicParameters(
        cid=to_int(command, line, fields[0], "<cid>"),
        bearer_id=to_int(command, line, fields[1], "<bearer_id>"),
        apn=fields[2].text,
        address=address,
        prefix_length=prefix,
        gateway=gateway,
        dns=dns,
    )


# ---------------------------------------------------------------- settings

PDP_TYPES = ("IP", "IPV6", "IPV4V6", "NON-IP", "PPP", "ETHERNET")


@dataclass(frozen=True)
class PdpContextDefinition:
    cid: int
    pdp_type: str
    apn: str


def parse_cgdcont(line: str) -> PdpContextDefinition:
    command = "+CGDCONT"
    fields = split_fields(command, strip_prefix(command, line))
    if len(fields) < 2:
        raise ATParseError(command, line, "no <PDP_type>")
    pdp_type = fields[1].text.upper()
    if pdp_type not in PDP_TYPES:
        raise ATParseError(command, line, f"<PDP_type> {fields[1].text!r} is not one of {PDP_TYPES}")
    return PdpContextDefinition(
        cid=to_int(command, line, fields[0], "<cid>"),
        pdp_type=pdp_type,
        apn=optional_text(fields, 2) or "",
    )


@dataclass(frozen=True)
class PsmSetting:
    """+CPSMS: the timers the UE requests, as the NAS octets' bits."""

    mode: int
    periodic_tau: str | None  # GPRS Timer 3 bits (T3412 extended)
    active_time: str | None  # GPRS Timer 2 bits (T3324)


def parse_cpsms(line: str) -> PsmSetting:
    command = "+CPSMS"
    fields = split_fields(command, strip_prefix(command, line))
    return PsmSetting(
        mode=to_int(command, line, fields[0], "<mode>"),
        periodic_tau=bit_string(command, line, optional_text(fields, 3), 8, "<Requested_Periodic-TAU>"),
        active_time=bit_string(command, line, optional_text(fields, 4), 8, "<Requested_Active-Time>"),
    )


@dataclass(frozen=True)
class EdrxSetting:
    act_type: int
    value: str | None  # 4-bit eDRX value (TS 24.008 10.5.5.32)


def parse_cedrxs(line: str) -> EdrxSetting:
    command = "+CEDRXS"
    fields = split_fields(command, strip_prefix(command, line))
    return EdrxSetting(
        act_type=to_int(command, line, fields[0], "<AcT-type>"),
        value=bit_string(command, line, optional_text(fields, 1), 4, "<Requested_eDRX_value>"),
    )


# ---------------------------------------------------------------- identification


def parse_cgsn(lines: list[str]) -> str:
    """+CGSN answers the bare IMEI (15 digits), or '+CGSN: "<imei>"' with
    <snt>=1; TS 27.007 5.4."""
    command = "+CGSN"
    text = " ".join(line.strip() for line in lines if line.strip())
    if text.startswith(command + ":"):
        fields = split_fields(command, strip_prefix(command, text))
        text = fields[0].text
    if not re.fullmatch(r"[0-9]{15}", text):
        raise ATParseError(command, text, "not a 15-digit IMEI")
    return text


def parse_identification(command: str, lines: list[str]) -> str:
    """+CGMI / +CGMM / +CGMR: free text, with or without the prefix."""
    text = "\n".join(line.strip() for line in lines if line.strip())
    if text.startswith(command + ":"):
        text = text[len(command) + 1:].strip().strip('"')
    if not text:
        raise ATParseError(command, "", "empty answer")
    return text


@dataclass(frozen=True)
class OperatorSelection:
    mode: int
    format: int | None
    operator: str | None
    act: int | None


def parse_cops(line: str) -> OperatorSelection:
    command = "+COPS"
    fields = split_fields(command, strip_prefix(command, line))
    return OperatorSelection(
        mode=to_int(command, line, fields[0], "<mode>"),
        format=optional_int(command, line, fields, 1, "<format>"),
        operator=optional_text(fields, 2),
        act=optional_int(command, line, fields, 3, "<AcT>"),
    )
