"""Wireshark's NAS-EPS dissector (tshark) as an independent decoder of our
NAS traces: the fields a verdict reads, per frame, compared with ours."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.cellular.nas import NasMessage
from harness.errors import HarnessError

FIELDS = {
    "emm_type": "nas_eps.nas_msg_emm_type",
    "esm_type": "nas_eps.nas_msg_esm_type",
    "pdn_type": "nas_eps.esm_pdn_type",
    "ipv4": "nas_eps.esm.pdn_ipv4",
    "ipv6_iid": "nas_eps.esm.pdn_ipv6_if_id",
    "emm_cause": "nas_eps.emm.cause",
    "esm_cause": "nas_eps.esm.cause",
    "timer_unit": "gsm_a.gm.gmm.gprs_timer_unit",
    "timer_value": "gsm_a.gm.gmm.gprs_timer_value",
    "timer2_unit": "gsm_a.gm.gmm.gprs_timer2_unit",
    "timer2_value": "gsm_a.gm.gmm.gprs_timer2_value",
    "timer3_unit": "gsm_a.gm.gmm.gprs_timer3_unit",
    "timer3_value": "gsm_a.gm.gmm.gprs_timer3_value",
    "security_header": "nas_eps.security_header_type",
    "imsi": "e212.imsi",
    "imei": "gsm_a.imei",
    "imeisv": "gsm_a.imeisv",
    "guti_mcc": "e212.gummei.mcc",
    "guti_mnc": "e212.gummei.mnc",
    "mme_group_id": "nas_eps.emm.mme_grp_id",
    "mme_code": "nas_eps.emm.mme_code",
    "tmsi": "3gpp.tmsi",  # a GUTI's M-TMSI and a TMSI alike
    "ebi": "nas_eps.bearer_id",
    "pti": "nas_eps.esm.proc_trans_id",
    "apn": "gsm_a.gm.sm.apn",
}
TSHARK_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Comparable:
    """What both decoders must agree on for one message."""

    emm_type: int | None
    esm_type: int | None
    pdn_types: tuple[int, ...]
    ipv4: str | None
    ipv6_iid: str | None
    emm_cause: int | None
    esm_cause: int | None
    timers: tuple[tuple[str, int, int], ...]  # (kind, unit, value), sorted
    security_header: int | None = None
    identities: tuple[str, ...] = ()  # "KIND:value", sorted: IMSI, IMEI, IMEISV, GUTI, TMSI
    ebi: int | None = None
    pti: int | None = None
    apn: str | None = None


def tshark_binary() -> str:
    binary = shutil.which("tshark")
    if binary is None:
        raise HarnessError("tshark not found: install Debian's tshark (make setup does)")
    return binary


def tshark_rows(pcap: Path) -> list[Comparable]:
    command = [tshark_binary(), "-n", "-r", str(pcap), "-T", "fields", "-E", "occurrence=a", "-E", "separator=|",
               "-E", "aggregator=,"]
    for field in FIELDS.values():
        command += ["-e", field]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TSHARK_TIMEOUT_S)
    if result.returncode != 0:
        raise HarnessError(f"tshark failed ({result.returncode}): {result.stderr[-2000:]}")
    rows = []
    for line in result.stdout.splitlines():
        values = dict(zip(FIELDS, line.split("|")))
        rows.append(from_tshark(values))
    return rows


def ints(text: str) -> list[int]:
    return [int(item, 0) for item in text.split(",") if item]


def first_int(text: str) -> int | None:
    values = ints(text)
    return values[0] if values else None


def from_tshark(values: dict[str, str]) -> Comparable:
    timers = []
    for kind in ("timer", "timer2", "timer3"):
        timers += [(kind, unit, value) for unit, value in zip(ints(values[f"{kind}_unit"]), ints(values[f"{kind}_value"]))]
    iid = values["ipv6_iid"].replace(":", "").lower() or None
    return Comparable(first_int(values["emm_type"]), first_int(values["esm_type"]), tuple(ints(values["pdn_type"])),
                      values["ipv4"] or None, iid, first_int(values["emm_cause"]), first_int(values["esm_cause"]),
                      tuple(sorted(timers)), first_int(values["security_header"]), tshark_identities(values),
                      first_int(values["ebi"]), first_int(values["pti"]), values["apn"].split(",")[0] or None)


def tshark_identities(values: dict[str, str]) -> tuple[str, ...]:
    found = [f"{kind}:{digits}" for kind, field in (("IMSI", "imsi"), ("IMEI", "imei"), ("IMEISV", "imeisv"))
             for digits in values[field].split(",") if digits]
    tmsis = ints(values["tmsi"])
    for mcc, mnc, group, code in zip(ints(values["guti_mcc"]), ints(values["guti_mnc"]), ints(values["mme_group_id"]),
                                     ints(values["mme_code"])):
        m_tmsi = tmsis.pop(0) if tmsis else None
        found.append(f"GUTI:{mcc}-{mnc}-{group}-{code}-{m_tmsi}")
    found += [f"TMSI:{tmsi}" for tmsi in tmsis]
    return tuple(sorted(found))


def our_identity(identity) -> str:
    if identity.kind == "GUTI":
        return f"GUTI:{int(identity.plmn.mcc)}-{int(identity.plmn.mnc)}-{identity.mme_group_id}-{identity.mme_code}-{identity.m_tmsi}"
    if identity.kind == "TMSI":
        return f"TMSI:{identity.m_tmsi}"
    return f"{identity.kind}:{identity.digits}"


def from_ours(message: NasMessage) -> Comparable:
    esm = message.esm if message.is_emm else (message if message.is_eps else None)
    pdn_types: list[int] = []
    ipv4 = iid = None
    if esm is not None:
        if esm.pdn_type is not None:
            pdn_types.append(esm.pdn_type)
        if esm.pdn_address is not None:
            pdn_types.append(esm.pdn_address.pdn_type)
            ipv4 = str(esm.pdn_address.ipv4) if esm.pdn_address.ipv4 else None
            iid = esm.pdn_address.ipv6_iid.hex() if esm.pdn_address.ipv6_iid else None
    timers = []
    # T3402 is a GPRS Timer (TV) in Attach Accept but a GPRS Timer 2 (TLV) in Attach Reject (TS 24.301 8.2.1, 8.2.3).
    t3402_kind = "timer2" if message.is_emm and message.message_type == 0x44 else "timer"
    for kind, timer in (("timer", message.t3412), ("timer", message.t3423), (t3402_kind, message.t3402),
                        ("timer2", message.t3324),
                        ("timer2", message.t3346), ("timer3", message.t3412_extended)):
        if timer is not None:
            timers.append((kind, timer.unit, timer.value))
    typed = message.is_emm and not message.unreadable and message.message_type != 0  # Service Request: no type octet
    identities = [message.mobile_identity, message.guti, message.ms_identity]
    return Comparable(message.message_type if typed else None, esm.message_type if esm else None,
                      tuple(pdn_types), ipv4, iid, message.emm_cause if message.is_emm else None,
                      esm.esm_cause if esm else None, tuple(sorted(timers)),
                      # ESM has a security header only inside a protected EMM envelope
                      message.security_header if message.is_emm or message.security_header else None,
                      tuple(sorted(our_identity(i) for i in identities if i is not None and i.kind != "no identity")),
                      esm.ebi if esm else None, esm.pti if esm else None, esm.apn if esm else None)


def disagreements(ours: list[NasMessage], theirs: list[Comparable]) -> list[str]:
    """One line per field where the decoders differ (and one for a count mismatch)."""
    found = []
    if len(ours) != len(theirs):
        found.append(f"message count: ours {len(ours)}, tshark {len(theirs)}")
    for index, (message, row) in enumerate(zip(ours, theirs)):
        mine = from_ours(message)
        for name in Comparable.__dataclass_fields__:
            if getattr(mine, name) != getattr(row, name):
                found.append(f"message {index + 1} ({message.name}): {name}: ours {getattr(mine, name)!r}, "
                             f"tshark {getattr(row, name)!r}")
    return found
