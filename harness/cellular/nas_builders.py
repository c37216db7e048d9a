"""Encoders for the EMM/ESM messages of an attach, a detach and their
failures (TS 24.301 8.2, 8.3), built with pycrate. Used by the emulated
module and network and by the tests that generate traces; values are set
after construction, and optional IEs made present, as pycrate expects."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from harness.cellular.pycrate_quiet import TS24008_IE, TS24301_EMM, TS24301_ESM, TS24301_IE

# PDN types (TS 24.301 9.9.4.10) and the +CGDCONT names for them.
PDN_IPV4, PDN_IPV6, PDN_IPV4V6, PDN_NON_IP = 1, 2, 3, 4
PDN_TYPE_BY_PDP_TYPE = {"IP": PDN_IPV4, "IPV6": PDN_IPV6, "IPV4V6": PDN_IPV4V6, "NON-IP": PDN_NON_IP}
# Mobile identity types (TS 24.008 10.5.1.4, TS 24.301 9.9.3.12).
ID_IMSI, ID_IMEI, ID_IMEISV, ID_GUTI = 1, 2, 3, 6
# PCO container identifiers (TS 24.008 10.5.6.3) a terminal asks for.
PCO_DNS_IPV6 = 0x0003
PCO_DNS_IPV4 = 0x000D
PCO_IPV4_LINK_MTU = 0x0010


def encoded(message, values: Mapping, optional: Mapping | None = None) -> bytes:
    message.set_val(dict(values))
    for name, value in (optional or {}).items():
        if value is None:
            continue
        message[name].set_trans(False)
        message[name].set_val(value)
    return message.to_bytes()


def pco(requests: list[int], contents: Mapping[int, bytes] | None = None) -> bytes:
    """A PCO / ePCO value: configuration protocol PPP (0x80), then one
    container per request (empty, uplink) or per answer (downlink)."""
    out = bytearray([0x80])
    for identifier in requests:
        content = (contents or {}).get(identifier, b"")
        out += identifier.to_bytes(2, "big") + bytes([len(content)]) + content
    return bytes(out)


def capability(flags: Mapping[str, int], length: int) -> bytes:
    cap = TS24301_IE.UENetCap()
    cap.set_val(dict(flags))
    return cap.to_bytes()[:length]


def security_capability(flags: Mapping[str, int]) -> bytes:
    cap = TS24301_IE.UESecCap()
    cap.set_val(dict(flags))
    return cap.to_bytes()[:2]


def eps_identity(kind: int, digits: str) -> bytes:
    ident = TS24301_IE.EPSID()
    ident.encode(kind, digits)
    return ident.to_bytes()


def mobile_identity(kind: int, digits: str) -> bytes:
    ident = TS24008_IE.ID()
    ident.encode(kind, digits)
    return ident.to_bytes()


def apn_octets(apn: str) -> bytes:
    """An APN as length-prefixed labels (TS 23.003 9.1)."""
    return b"".join(bytes([len(label)]) + label.encode() for label in apn.split(".") if label)


def plmn_tai(plmn: bytes, tac: int) -> bytes:
    """A TAI list of one TAI (type 0, one element)."""
    return b"\x00" + plmn + tac.to_bytes(2, "big")


# ------------------------------------------------------------------ ESM


def pdn_connectivity_request(pti: int, pdn_type: int, *, esm_information: bool = False,
                             pco_value: bytes | None = None, epco_value: bytes | None = None) -> bytes:
    return encoded(
        TS24301_ESM.ESMPDNConnectivityRequest(),
        {"ESMHeader": {"PTI": pti}, "PDNType": {"V": pdn_type}, "RequestType": {"V": 1}},
        {"ESMInfoTransferFlag": {"V": 1} if esm_information else None,
         "ProtConfig": {"V": pco_value} if pco_value is not None else None,
         "ExtProtConfig": {"V": epco_value} if epco_value is not None else None},
    )


def esm_dummy_message() -> bytes:
    return encoded(TS24301_ESM.ESMDummyMessage(), {})


def esm_information_request(pti: int) -> bytes:
    return encoded(TS24301_ESM.ESMInformationRequest(), {"ESMHeader": {"PTI": pti}})


def esm_information_response(pti: int, apn: str | None, *, pco_value: bytes | None = None,
                             epco_value: bytes | None = None) -> bytes:
    return encoded(
        TS24301_ESM.ESMInformationResponse(),
        {"ESMHeader": {"PTI": pti}},
        {"APN": {"V": apn_octets(apn)} if apn else None,
         "ProtConfig": {"V": pco_value} if pco_value is not None else None,
         "ExtProtConfig": {"V": epco_value} if epco_value is not None else None},
    )


def pdn_address(pdn_type: int, iid: bytes | None, ipv4: ipaddress.IPv4Address | None) -> bytes:
    """TS 24.301 9.9.4.9: IPv6 carries only the 8-octet interface identifier."""
    value = bytes([pdn_type])
    if pdn_type in (PDN_IPV6, PDN_IPV4V6):
        value += iid or bytes(8)
    if pdn_type in (PDN_IPV4, PDN_IPV4V6):
        value += (ipv4 or ipaddress.IPv4Address(0)).packed
    return value


def activate_default_bearer_request(ebi: int, pti: int, apn: str, address: bytes, *, qci: int = 9,
                                    esm_cause: int | None = None, pco_value: bytes | None = None,
                                    epco_value: bytes | None = None) -> bytes:
    return encoded(
        TS24301_ESM.ESMActDefaultEPSBearerCtxtRequest(),
        {"ESMHeader": {"EPSBearerId": ebi, "PTI": pti}, "EPSQoS": {"V": bytes([qci])},
         "APN": {"V": apn_octets(apn)}, "PDNAddr": {"V": address}},
        {"ESMCause": {"V": esm_cause} if esm_cause is not None else None,
         "ProtConfig": {"V": pco_value} if pco_value is not None else None,
         "ExtProtConfig": {"V": epco_value} if epco_value is not None else None},
    )


def activate_default_bearer_accept(ebi: int) -> bytes:
    return encoded(TS24301_ESM.ESMActDefaultEPSBearerCtxtAccept(), {"ESMHeader": {"EPSBearerId": ebi, "PTI": 0}})


def pdn_connectivity_reject(pti: int, esm_cause: int) -> bytes:
    return encoded(TS24301_ESM.ESMPDNConnectivityReject(), {"ESMHeader": {"PTI": pti}, "ESMCause": {"V": esm_cause}})


# ------------------------------------------------------------------ EMM, uplink


def attach_request(imsi: str, esm_container: bytes, ue_network_capability: bytes, *, attach_type: int = 1,
                   t3324: int | None = None, t3412_extended: int | None = None,
                   edrx: bytes | None = None) -> bytes:
    return encoded(
        TS24301_EMM.EMMAttachRequest(),
        {"NAS_KSI": {"V": 7}, "EPSAttachType": {"V": attach_type}, "EPSID": {"V": eps_identity(ID_IMSI, imsi)},
         "UENetCap": {"V": ue_network_capability}, "ESMContainer": {"V": esm_container}},
        {"T3324": {"V": bytes([t3324])} if t3324 is not None else None,
         "T3412Ext": {"V": bytes([t3412_extended])} if t3412_extended is not None else None,
         "ExtDRXParam": {"V": edrx} if edrx is not None else None},
    )


def identity_response(kind: int, digits: str) -> bytes:
    return encoded(TS24301_EMM.EMMIdentityResponse(), {"ID": {"V": mobile_identity(kind, digits)}})


def authentication_response(res: bytes) -> bytes:
    return encoded(TS24301_EMM.EMMAuthenticationResponse(), {"RES": {"V": res}})


def authentication_failure(cause: int, auts: bytes | None = None) -> bytes:
    return encoded(TS24301_EMM.EMMAuthenticationFailure(), {"EMMCause": {"V": cause}},
                   {"AUTS": {"V": auts} if auts is not None else None})


def security_mode_complete(imeisv: str | None) -> bytes:
    return encoded(TS24301_EMM.EMMSecurityModeComplete(), {},
                   {"IMEISV": {"V": mobile_identity(ID_IMEISV, imeisv)} if imeisv else None})


def security_mode_reject(cause: int) -> bytes:
    return encoded(TS24301_EMM.EMMSecurityModeReject(), {"EMMCause": {"V": cause}})


def attach_complete(esm_container: bytes) -> bytes:
    return encoded(TS24301_EMM.EMMAttachComplete(), {"ESMContainer": {"V": esm_container}})


def detach_request_uplink(imsi: str, *, switch_off: bool) -> bytes:
    """TS 24.301 9.9.3.7: detach type 1 (EPS), bit 4 set for switch off."""
    return encoded(
        TS24301_EMM.EMMDetachRequestMO(),
        {"NAS_KSI": {"V": 7}, "EPSDetachType": {"V": (0b1000 if switch_off else 0) | 1},
         "EPSID": {"V": eps_identity(ID_IMSI, imsi)}},
    )


# ------------------------------------------------------------------ EMM, downlink


def identity_request(kind: int) -> bytes:
    return encoded(TS24301_EMM.EMMIdentityRequest(), {"IDType": {"V": kind}})


def authentication_request(ksi: int, rand: bytes, autn: bytes) -> bytes:
    return encoded(TS24301_EMM.EMMAuthenticationRequest(),
                   {"NAS_KSI": {"V": ksi}, "RAND": {"V": rand}, "AUTN": {"V": autn}})


def authentication_reject() -> bytes:
    return encoded(TS24301_EMM.EMMAuthenticationReject(), {})


def security_mode_command(ksi: int, eea: int, eia: int, replayed_capability: bytes, *,
                          imeisv_request: bool = True) -> bytes:
    return encoded(
        TS24301_EMM.EMMSecurityModeCommand(),
        {"NASSecAlgo": {"V": bytes([(eea << 4) | eia])}, "NAS_KSI": {"V": ksi},
         "UESecCap": {"V": replayed_capability}},
        {"IMEISVReq": {"V": 1} if imeisv_request else None},
    )


def attach_accept(esm_container: bytes, tai_list: bytes, *, t3412: int = 0x21, t3324: int | None = None,
                  t3412_extended: int | None = None, edrx: bytes | None = None,
                  network_features: bytes | None = None, t3402: int | None = None) -> bytes:
    return encoded(
        TS24301_EMM.EMMAttachAccept(),
        {"EPSAttachResult": {"V": 1}, "T3412": {"V": bytes([t3412])}, "TAIList": {"V": tai_list},
         "ESMContainer": {"V": esm_container}},
        {"T3402": {"V": bytes([t3402])} if t3402 is not None else None,
         "EPSNetFeat": {"V": network_features} if network_features is not None else None,
         "T3412Ext": {"V": bytes([t3412_extended])} if t3412_extended is not None else None,
         "T3324": {"V": bytes([t3324])} if t3324 is not None else None,
         "ExtDRXParam": {"V": edrx} if edrx is not None else None},
    )


def attach_reject(emm_cause: int, *, esm_container: bytes | None = None, t3346: int | None = None,
                  t3402: int | None = None) -> bytes:
    return encoded(
        TS24301_EMM.EMMAttachReject(),
        {"EMMCause": {"V": emm_cause}},
        {"ESMContainer": {"V": esm_container} if esm_container is not None else None,
         "T3346": {"V": bytes([t3346])} if t3346 is not None else None,
         "T3402": {"V": bytes([t3402])} if t3402 is not None else None},
    )


def detach_accept() -> bytes:
    return encoded(TS24301_EMM.EMMDetachAccept(), {})


def detach_request_downlink(*, reattach: bool, cause: int | None = None) -> bytes:
    """TS 24.301 9.9.3.7: type 1 re-attach required, 2 re-attach not required."""
    return encoded(TS24301_EMM.EMMDetachRequestMT(), {"EPSDetachType": {"V": 1 if reattach else 2}},
                   {"EMMCause": {"V": cause} if cause is not None else None})
