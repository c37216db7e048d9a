"""NAS messages (TS 24.301) decoded through pycrate into typed records with
the fields a conformance check reads. Security-protected messages (header
types 1-4) are unwrapped here: integrity-only always, ciphered ones when a
security context is given (else marked unreadable)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from harness.cellular import nas_security
from harness.cellular.errors import NASDecodeError
from harness.cellular.pycrate_quiet import pycrate_nas
from harness.cellular.timers import GprsTimer2, GprsTimer3

EMM, ESM = 0x7, 0x2
# TS 24.301 9.8: message types this harness names.
EMM_NAMES = {
    0x41: "Attach Request", 0x42: "Attach Accept", 0x43: "Attach Complete", 0x44: "Attach Reject",
    0x45: "Detach Request", 0x46: "Detach Accept", 0x48: "Tracking Area Update Request",
    0x49: "Tracking Area Update Accept", 0x4A: "Tracking Area Update Complete",
    0x4B: "Tracking Area Update Reject", 0x4E: "Service Reject", 0x50: "GUTI Reallocation Command",
    0x52: "Authentication Request", 0x53: "Authentication Response", 0x54: "Authentication Reject",
    0x55: "Identity Request", 0x56: "Identity Response", 0x5C: "Authentication Failure",
    0x5D: "Security Mode Command", 0x5E: "Security Mode Complete", 0x5F: "Security Mode Reject",
    0x60: "EMM Status", 0x61: "EMM Information", 0x62: "Downlink NAS Transport", 0x63: "Uplink NAS Transport",
}
ESM_NAMES = {
    0xC1: "Activate Default EPS Bearer Context Request", 0xC2: "Activate Default EPS Bearer Context Accept",
    0xC3: "Activate Default EPS Bearer Context Reject", 0xD0: "PDN Connectivity Request",
    0xD1: "PDN Connectivity Reject", 0xD2: "PDN Disconnect Request", 0xD3: "PDN Disconnect Reject",
    0xD9: "ESM Information Request", 0xDA: "ESM Information Response", 0xDB: "Notification",
    0xDC: "ESM Dummy Message", 0xE8: "ESM Status",
}


@dataclass(frozen=True)
class PdnAddress:
    """TS 24.301 9.9.4.9: IPv6 is the 8-octet interface identifier only."""

    pdn_type: int
    ipv6_iid: bytes | None
    ipv4: ipaddress.IPv4Address | None


@dataclass(frozen=True)
class NasMessage:
    """One NAS message. EMM messages that carry an ESM container hold the
    decoded ESM message in `esm`. Absent IEs are None."""

    uplink: bool
    protocol: int
    message_type: int
    name: str
    raw: bytes
    security_header: int = 0
    mac_verified: bool | None = None  # None: plain, or no keys to check the MAC
    unreadable: bool = False  # ciphered without the keys: only the header is known
    # EMM
    attach_type: int | None = None
    identity_type: int | None = None
    identity: str | None = None
    ue_network_capability: frozenset[str] = frozenset()
    t3324: GprsTimer2 | None = None
    t3412: GprsTimer2 | None = None
    t3412_extended: GprsTimer3 | None = None
    edrx: bytes | None = None
    emm_cause: int | None = None
    t3346: GprsTimer2 | None = None
    t3402: GprsTimer2 | None = None
    switch_off: bool | None = None
    rand: bytes | None = None
    autn: bytes | None = None
    res: bytes | None = None
    selected_eea: int | None = None
    selected_eia: int | None = None
    replayed_capability: bytes | None = None
    imeisv_requested: bool | None = None
    requested_identity: int | None = None  # Identity Request's identity type
    esm: "NasMessage | None" = None
    # ESM
    ebi: int | None = None
    pti: int | None = None
    pdn_type: int | None = None
    request_type: int | None = None
    esm_information_flag: bool | None = None
    pdn_address: PdnAddress | None = None
    apn: str | None = None
    pco: bytes | None = None
    epco: bytes | None = None
    esm_cause: int | None = None

    @property
    def is_emm(self) -> bool:
        return self.protocol == EMM


def present(message, name: str):
    """The IE `name` of a pycrate message, or None when absent."""
    if name not in message._by_name:
        return None
    element = message[name]
    if element.get_trans():
        return None
    return element


def value(element):
    """The innermost value element of a T/L/V wrapper."""
    if element is None:
        return None
    names = getattr(element, "_by_name", None)
    if names and names[-1] not in ("T", "L"):
        return element[-1]  # "V", or the decoded structure pycrate put in its place
    return element


def integer(message, name: str) -> int | None:
    element = present(message, name)
    if element is None:
        return None
    inner = value(element)
    names = getattr(inner, "_by_name", None)
    if names:
        return inner[names[-1]].get_val()
    return inner.get_val()


def octets(message, name: str) -> bytes | None:
    element = present(message, name)
    if element is None:
        return None
    inner = value(element)
    return inner.to_bytes()


def timer(message, name: str, kind):
    raw = octets(message, name)
    if raw is None or not raw:
        return None
    return kind.from_octet(raw[-1])


def capability_flags(message) -> frozenset[str]:
    element = present(message, "UENetCap")
    if element is None:
        return frozenset()
    inner = element[-1]
    if not hasattr(inner, "_by_name"):
        return frozenset()
    return frozenset(name for name in inner._by_name if name != "spare" and inner[name].get_val() == 1)


def decode_identity(message, name: str) -> tuple[int | None, str | None]:
    element = present(message, name)
    if element is None:
        return None, None
    inner = element[-1]
    try:
        kind, digits = inner.decode()
    except Exception:  # pycrate raises several types on odd identities
        return None, None
    if isinstance(digits, tuple):  # a GUTI decodes to its parts
        digits = "-".join(str(part) for part in digits)
    return kind, str(digits)


def decode_pdn_address(message) -> PdnAddress | None:
    raw = octets(message, "PDNAddr")
    if raw is None:
        return None
    if not raw:
        raise NASDecodeError("PDN address IE of length 0")
    pdn_type = raw[0] & 0x07
    body = raw[1:]
    iid = ipv4 = None
    if pdn_type in (2, 3):
        iid = body[:8]
        body = body[8:]
    if pdn_type in (1, 3) and len(body) >= 4:
        ipv4 = ipaddress.IPv4Address(body[:4])
    return PdnAddress(pdn_type, iid, ipv4)


def decode_apn(message) -> str | None:
    raw = octets(message, "APN")
    if raw is None:
        return None
    labels, index = [], 0
    while index < len(raw):
        length = raw[index]
        labels.append(raw[index + 1:index + 1 + length].decode("ascii", "replace"))
        index += 1 + length
    return ".".join(labels)


def header_values(message) -> tuple[int, int]:
    header = message[0]
    return header["ProtDisc"].get_val(), header["Type"].get_val()


def record(message, raw: bytes, uplink: bool) -> NasMessage:
    protocol, message_type = header_values(message)
    names = EMM_NAMES if protocol == EMM else ESM_NAMES
    fields: dict = {}
    if protocol == ESM:
        header = message[0]
        fields.update(ebi=header["EPSBearerId"].get_val(), pti=header["PTI"].get_val(),
                      pdn_type=integer(message, "PDNType"), request_type=integer(message, "RequestType"),
                      pdn_address=decode_pdn_address(message), apn=decode_apn(message),
                      pco=octets(message, "ProtConfig"), epco=octets(message, "ExtProtConfig"),
                      esm_cause=integer(message, "ESMCause"))
        flag = integer(message, "ESMInfoTransferFlag")
        fields["esm_information_flag"] = None if flag is None else bool(flag)
    else:
        identity_ie = "EPSID" if "EPSID" in message._by_name else "ID"
        kind, digits = decode_identity(message, identity_ie)
        imeisv_kind, imeisv = decode_identity(message, "IMEISV")
        if imeisv is not None:
            kind, digits = imeisv_kind, imeisv
        algorithms = octets(message, "NASSecAlgo")
        detach = present(message, "EPSDetachType")
        fields.update(
            attach_type=integer(message, "EPSAttachType"), identity_type=kind, identity=digits,
            ue_network_capability=capability_flags(message),
            t3324=timer(message, "T3324", GprsTimer2), t3412=timer(message, "T3412", GprsTimer2),
            t3412_extended=timer(message, "T3412Ext", GprsTimer3), edrx=octets(message, "ExtDRXParam"),
            emm_cause=integer(message, "EMMCause"), t3346=timer(message, "T3346", GprsTimer2),
            t3402=timer(message, "T3402", GprsTimer2), rand=octets(message, "RAND"),
            autn=octets(message, "AUTN"), res=octets(message, "RES"),
            replayed_capability=octets(message, "UESecCap"), requested_identity=integer(message, "IDType"),
            switch_off=None if detach is None or not uplink else bool(detach[-1]["SwitchOff"].get_val()),
        )
        if algorithms:
            fields.update(selected_eea=(algorithms[-1] >> 4) & 0x7, selected_eia=algorithms[-1] & 0x7)
        if message_type == 0x5D:
            fields["imeisv_requested"] = bool(integer(message, "IMEISVReq"))
        container = present(message, "ESMContainer")
        if container is not None:
            inner = container[-1]
            if hasattr(inner, "_by_name") and inner._by_name and inner._by_name[0] == "ESMHeader":
                fields["esm"] = record(inner, inner.to_bytes(), uplink)
            elif inner.to_bytes():
                fields["esm"] = decode_plain(inner.to_bytes(), uplink)
    return NasMessage(uplink=uplink, protocol=protocol, message_type=message_type,
                      name=names.get(message_type, f"type 0x{message_type:02X}"), raw=raw, **fields)


def decode_plain(pdu: bytes, uplink: bool) -> NasMessage:
    if len(pdu) < 2:
        raise NASDecodeError(f"NAS PDU of {len(pdu)} octet(s) is shorter than a header: {pdu.hex()}")
    parser = pycrate_nas.parse_NAS_MO if uplink else pycrate_nas.parse_NAS_MT
    try:
        message, error = parser(pdu)
    except Exception as exc:  # pycrate raises assorted errors on garbage
        raise NASDecodeError(f"pycrate cannot decode {pdu.hex()}: {exc}") from exc
    if error or message is None:
        raise NASDecodeError(f"pycrate cannot decode {pdu.hex()}: error {error}")
    return record(message, pdu, uplink)


def decode(pdu: bytes, uplink: bool, security: nas_security.NasSecurityContext | None = None) -> NasMessage:
    """Decode one NAS PDU as it crossed the air interface."""
    header_type = nas_security.security_header_type(pdu)
    if header_type == nas_security.PLAIN:
        return decode_plain(pdu, uplink)
    if header_type == nas_security.SERVICE_REQUEST:
        raise NASDecodeError("Service Request (header type 12) is not decoded")
    protected = nas_security.split_protected(pdu)
    direction = nas_security.UPLINK if uplink else nas_security.DOWNLINK
    if security is None:
        if protected.ciphered:
            protocol = protected.payload[0] & 0x0F if protected.payload else EMM
            return NasMessage(uplink=uplink, protocol=protocol, message_type=0, name="ciphered NAS message",
                              raw=pdu, security_header=header_type, unreadable=True)
        inner = decode_plain(protected.payload, uplink)
        return replace(inner, raw=pdu, security_header=header_type)
    verified, plain = security.verify(pdu, direction)
    inner = decode_plain(plain, uplink)
    return replace(inner, raw=pdu, security_header=header_type, mac_verified=verified)
