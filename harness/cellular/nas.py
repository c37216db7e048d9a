"""NAS messages (TS 24.301) decoded through pycrate into typed records with
the fields a conformance check reads. Security-protected messages (header
types 1-4) are unwrapped here: integrity-only always, ciphered ones when a
security context is given (else marked unreadable)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from harness.cellular import nas_security
from harness.cellular.errors import NASDecodeError
from harness.cellular.identities import MobileIdentity, decode_identity
from harness.cellular.pycrate_quiet import pycrate_naslte
from harness.cellular.timers import GprsTimer2, GprsTimer3

EMM, ESM = 0x7, 0x2
# TS 24.301 9.8.1 and 9.8.2: every EMM and ESM message type.
EMM_NAMES = {
    0x41: "Attach Request", 0x42: "Attach Accept", 0x43: "Attach Complete", 0x44: "Attach Reject",
    0x45: "Detach Request", 0x46: "Detach Accept", 0x48: "Tracking Area Update Request",
    0x49: "Tracking Area Update Accept", 0x4A: "Tracking Area Update Complete",
    0x4B: "Tracking Area Update Reject", 0x4C: "Extended Service Request", 0x4D: "Control Plane Service Request",
    0x4E: "Service Reject", 0x4F: "Service Accept", 0x50: "GUTI Reallocation Command",
    0x51: "GUTI Reallocation Complete", 0x52: "Authentication Request", 0x53: "Authentication Response",
    0x54: "Authentication Reject", 0x55: "Identity Request", 0x56: "Identity Response",
    0x5C: "Authentication Failure", 0x5D: "Security Mode Command", 0x5E: "Security Mode Complete",
    0x5F: "Security Mode Reject", 0x60: "EMM Status", 0x61: "EMM Information", 0x62: "Downlink NAS Transport",
    0x63: "Uplink NAS Transport", 0x64: "CS Service Notification", 0x68: "Downlink Generic NAS Transport",
    0x69: "Uplink Generic NAS Transport",
}
ESM_NAMES = {
    0xC1: "Activate Default EPS Bearer Context Request", 0xC2: "Activate Default EPS Bearer Context Accept",
    0xC3: "Activate Default EPS Bearer Context Reject", 0xC5: "Activate Dedicated EPS Bearer Context Request",
    0xC6: "Activate Dedicated EPS Bearer Context Accept", 0xC7: "Activate Dedicated EPS Bearer Context Reject",
    0xC9: "Modify EPS Bearer Context Request", 0xCA: "Modify EPS Bearer Context Accept",
    0xCB: "Modify EPS Bearer Context Reject", 0xCD: "Deactivate EPS Bearer Context Request",
    0xCE: "Deactivate EPS Bearer Context Accept", 0xD0: "PDN Connectivity Request", 0xD1: "PDN Connectivity Reject",
    0xD2: "PDN Disconnect Request", 0xD3: "PDN Disconnect Reject", 0xD4: "Bearer Resource Allocation Request",
    0xD5: "Bearer Resource Allocation Reject", 0xD6: "Bearer Resource Modification Request",
    0xD7: "Bearer Resource Modification Reject", 0xD9: "ESM Information Request", 0xDA: "ESM Information Response",
    0xDB: "Notification", 0xDC: "ESM Dummy Message", 0xE8: "ESM Status", 0xE9: "Remote UE Report",
    0xEA: "Remote UE Report Response", 0xEB: "ESM Data Transport",
}
SERVICE_REQUEST_NAME = "Service Request"  # TS 24.301 8.2.25: header type 12, no message type octet
SERVICE_REQUEST_OCTETS = 4
# TS 24.007 11.2.3.1.1: the protocols a NAS PDU on an EPS trace may belong to
# other than EMM and ESM; an extended discriminator (the low nibble 0xE) takes the whole octet.
OTHER_PROTOCOLS = {
    0x0: "group call control", 0x1: "broadcast call control", 0x3: "call control (CS)", 0x4: "GTTP",
    0x5: "mobility management (CS)", 0x6: "radio resources management", 0x8: "GPRS mobility management",
    0x9: "SMS", 0xA: "GPRS session management", 0xB: "non-call-related supplementary services",
    0xC: "location services", 0xF: "tests",
}
EXTENDED_PROTOCOLS = {0x7E: "5GS mobility management", 0x2E: "5GS session management"}
EXTENDED_DISCRIMINATOR = 0xE
RESERVED_EBIS = range(1, 5)  # TS 24.301 9.3.2: EPS bearer identities 1-4 are reserved
# The clause an undecodable uplink message breaks (the UE's); downlink ones are the network's.
UPLINK_CODING_CLAUSE = "TS24.301-9"


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
    t3423: GprsTimer2 | None = None  # a GPRS Timer (TV): the same units as GPRS Timer 2
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
    mobile_identity: MobileIdentity | None = None  # the identity `identity` shows, in its parts
    guti: MobileIdentity | None = None  # a GUTI the network allocates (Attach Accept, TAU Accept, reallocation)
    ms_identity: MobileIdentity | None = None  # the TMSI an Attach or TAU Accept allocates for CS
    ksi: int | None = None  # Service Request
    sequence: int | None = None  # Service Request's short sequence number
    short_mac: bytes | None = None
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

    @property
    def is_eps(self) -> bool:
        """False for a PDU of another protocol (CS call control, 5GS, ...)."""
        return self.protocol in (EMM, ESM)


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


# The UE's own identity, by pycrate's IE names: an EPS mobile identity
# (TS 24.301 9.9.3.12) or a Mobile identity (TS 24.008 10.5.1.4).
EPS_IDENTITY_IES = ("EPSID", "OldGUTI")
MOBILE_IDENTITY_IES = ("IMEISV", "MTMSI")
IDENTITY_RESPONSE = 0x56
# Messages with which the network allocates a GUTI.
GUTI_ALLOCATIONS = (0x42, 0x49, 0x50)
MS_IDENTITY_ALLOCATIONS = (0x42, 0x49)


def identity_value(message, name: str) -> bytes | None:
    element = present(message, name)
    return None if element is None else value(element).to_bytes()


def own_identity(message, message_type: int) -> MobileIdentity | None:
    for name in EPS_IDENTITY_IES:
        raw = identity_value(message, name)
        if raw is not None:
            return decode_identity(raw, eps=True)
    for name in (*MOBILE_IDENTITY_IES, *(("ID",) if message_type == IDENTITY_RESPONSE else ())):
        raw = identity_value(message, name)
        if raw is not None:
            return decode_identity(raw, eps=False)
    return None


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
    """The typed record of a message pycrate decoded. pycrate builds its
    elements from hostile octets, so any error reading them is the PDU's."""
    try:
        return _record(message, raw, uplink)
    except NASDecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - pycrate's element errors (EltErr, ...) on odd structures
        raise NASDecodeError(f"NAS PDU {raw.hex()[:80]} does not decode: {type(exc).__name__}: {exc}") from exc


def _record(message, raw: bytes, uplink: bool) -> NasMessage:
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
        identity = own_identity(message, message_type)
        allocated = identity_value(message, "GUTI") if message_type in GUTI_ALLOCATIONS else None
        ms_identity = identity_value(message, "ID") if message_type in MS_IDENTITY_ALLOCATIONS else None
        algorithms = octets(message, "NASSecAlgo")
        detach = present(message, "EPSDetachType")
        fields.update(
            attach_type=integer(message, "EPSAttachType"),
            identity_type=None if identity is None else identity.type_code,
            identity=None if identity is None else str(identity), mobile_identity=identity,
            guti=None if allocated is None else decode_identity(allocated, eps=True),
            ms_identity=None if ms_identity is None else decode_identity(ms_identity, eps=False),
            ue_network_capability=capability_flags(message),
            t3324=timer(message, "T3324", GprsTimer2), t3412=timer(message, "T3412", GprsTimer2),
            t3423=timer(message, "T3423", GprsTimer2),
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
    if message_type not in names:
        raise NASDecodeError(f"message type 0x{message_type:02X} is not defined for {'EMM' if protocol == EMM else 'ESM'}")
    return NasMessage(uplink=uplink, protocol=protocol, message_type=message_type, name=names[message_type],
                      raw=raw, **fields)


def other_protocol(pdu: bytes, uplink: bool) -> NasMessage:
    """A record of its own for a PDU of another protocol: a trace may carry
    CS or 5GS NAS beside EPS NAS, and that is not an EPS decoding error."""
    discriminator = pdu[0] & 0x0F
    if discriminator == EXTENDED_DISCRIMINATOR:
        protocol = pdu[0]
        what = EXTENDED_PROTOCOLS.get(protocol, f"extended protocol discriminator 0x{protocol:02X}")
    else:
        protocol = discriminator
        what = OTHER_PROTOCOLS.get(protocol, f"protocol discriminator {protocol}")
    return NasMessage(uplink=uplink, protocol=protocol, message_type=pdu[1] if len(pdu) > 1 else 0,
                      name=f"not EPS NAS ({what})", raw=pdu)


def decode_plain(pdu: bytes, uplink: bool) -> NasMessage:
    """A plain NAS message (or the plain payload of a protected one)."""
    if not pdu:
        raise NASDecodeError("empty NAS PDU")
    protocol = pdu[0] & 0x0F
    if protocol not in (EMM, ESM):
        return other_protocol(pdu, uplink)
    header_octets = 2 if protocol == EMM else 3
    if len(pdu) < header_octets:
        raise NASDecodeError(f"NAS PDU of {len(pdu)} octet(s) is shorter than its header: {pdu.hex()}")
    if protocol == ESM and pdu[0] >> 4 in RESERVED_EBIS:
        raise NASDecodeError(f"ESM message {pdu.hex()[:40]} has the reserved EPS bearer identity {pdu[0] >> 4} "
                             "(TS 24.301 9.3.2)")
    message_type = pdu[header_octets - 1]
    names = EMM_NAMES if protocol == EMM else ESM_NAMES
    if message_type not in names:
        raise NASDecodeError(f"message type 0x{message_type:02X} is not defined for "
                             f"{'EMM (TS 24.301 9.8.1)' if protocol == EMM else 'ESM (TS 24.301 9.8.2)'}")
    parser = pycrate_naslte.parse_NASLTE_MO if uplink else pycrate_naslte.parse_NASLTE_MT
    try:
        # sec_hdr off: the security header is unwrapped here, and an ESM
        # header's high nibble is its bearer identity, not a header type.
        message, error = parser(pdu, inner=True, sec_hdr=False)
    except Exception as exc:  # noqa: BLE001 - pycrate raises assorted errors on garbage
        raise NASDecodeError(f"pycrate cannot decode {pdu.hex()[:80]}: {type(exc).__name__}: {exc}") from exc
    if error or message is None:
        raise NASDecodeError(f"{names[message_type]} {pdu.hex()[:80]} does not decode (pycrate error {error})")
    return record(message, pdu, uplink)


def service_request(pdu: bytes, uplink: bool) -> NasMessage:
    """TS 24.301 8.2.25: KSI and sequence number, then the short MAC."""
    if len(pdu) != SERVICE_REQUEST_OCTETS:
        raise NASDecodeError(f"a Service Request is {SERVICE_REQUEST_OCTETS} octets, got {len(pdu)}: {pdu.hex()[:40]}")
    return NasMessage(uplink=uplink, protocol=EMM, message_type=0, name=SERVICE_REQUEST_NAME, raw=pdu,
                      security_header=nas_security.SERVICE_REQUEST, ksi=pdu[1] >> 5, sequence=pdu[1] & 0x1F,
                      short_mac=pdu[2:4])


def decode(pdu: bytes, uplink: bool, security: nas_security.NasSecurityContext | None = None,
           null_ciphering: bool = False) -> NasMessage:
    """Decode one NAS PDU as it crossed the air interface. `null_ciphering`:
    the Security Mode Command selected EEA0, so a "ciphered" payload is plain.
    Any PDU either gives a record (one of another protocol too) or raises
    NASDecodeError; an uplink PDU's error names the clause the UE broke."""
    try:
        return _decode(pdu, uplink, security, null_ciphering)
    except NASDecodeError as exc:
        if uplink and exc.clause is None:
            exc.clause = UPLINK_CODING_CLAUSE
        raise


def _decode(pdu: bytes, uplink: bool, security: nas_security.NasSecurityContext | None,
            null_ciphering: bool) -> NasMessage:
    header_type = nas_security.security_header_type(pdu)
    if header_type == nas_security.PLAIN:
        return decode_plain(pdu, uplink)
    if header_type == nas_security.SERVICE_REQUEST:
        return service_request(pdu, uplink)
    protected = nas_security.split_protected(pdu)
    direction = nas_security.UPLINK if uplink else nas_security.DOWNLINK
    if security is None:
        if protected.ciphered and not null_ciphering:
            return NasMessage(uplink=uplink, protocol=EMM, message_type=0, name="ciphered NAS message",
                              raw=pdu, security_header=header_type, unreadable=True)
        inner = decode_plain(protected.payload, uplink)
        return replace(inner, raw=pdu, security_header=header_type)
    verified, plain = security.verify(pdu, direction)
    inner = decode_plain(plain, uplink)
    return replace(inner, raw=pdu, security_header=header_type, mac_verified=verified)


class TraceDecoder:
    """Decodes a trace's PDUs in order, as Wireshark does with its EEA0
    preference: once a Security Mode Command selects EEA0 (null ciphering),
    the payloads of "ciphered" messages are read as the plain text they are."""

    def __init__(self, security: nas_security.NasSecurityContext | None = None):
        self.security = security
        self.null_ciphering = False

    def decode(self, pdu: bytes, uplink: bool) -> NasMessage:
        message = decode(pdu, uplink, self.security, self.null_ciphering)
        if message.name == "Security Mode Command" and message.selected_eea is not None:
            self.null_ciphering = message.selected_eea == 0
        return message
