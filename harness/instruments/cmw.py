"""R&S CMW500/CMW290 LTE and NB-IoT signalling, over SCPI. The NB-IoT tree
uses the keyword NIOT where LTE uses LTE; its IP version setting sits under
CONNection:DAPPlication. Every command this driver sends is listed in
COMMANDS (the emulated callbox accepts exactly these)."""

from __future__ import annotations

import ipaddress

from harness.errors import InstrumentError
from harness.instruments.callbox import AttachState, IpVersions, UeInfo
from harness.instruments.scpi import ScpiInstrument

KEYWORD = {"cat1": "LTE", "nbiot": "NIOT"}
PS_STATES: dict[str, AttachState] = {
    "OFF": "off", "ON": "on", "ATT": "attached", "ATTACHED": "attached", "CEST": "connected",
    "CESTABLISHED": "connected", "SIGN": "signalling", "SIGNALING": "signalling",
}
NOT_AVAILABLE = "NAV"


def commands(rat: str) -> dict[str, str]:
    k = KEYWORD[rat]
    ip_version = f"CONFigure:{k}:SIGN:CONNection:DAPPlication:IPVersion" if k == "NIOT" \
        else f"CONFigure:{k}:SIGN:CONNection:IPVersion"
    return {
        "cell": f"SOURce:{k}:SIGN:CELL:STATe",
        "cell?": f"SOURce:{k}:SIGN:CELL:STATe:ALL?",
        "ps_state?": f"FETCh:{k}:SIGN:PSWitched:STATe?",
        "ps_action": f"CALL:{k}:SIGN:PSWitched:ACTion",
        "imei?": f"SENSe:{k}:SIGN:UESinfo:IMEI?",
        "imsi?": f"SENSe:{k}:SIGN:UESinfo:IMSI?",
        "ipv4?": f"SENSe:{k}:SIGN:UESinfo:UEADdress:IPV4?",
        "ipv6?": f"SENSe:{k}:SIGN:UESinfo:UEADdress:IPV6?",
        "ip_version": ip_version,
        "psm": f"CONFigure:{k}:SIGN:CONNection:PSMallowed",
        "t3324": f"CONFigure:{k}:SIGN:CELL:TOUT:T3324",
        "t3412_extended": f"CONFigure:{k}:SIGN:CELL:TOUT:TEXT",
        "reject_attach": f"CONFigure:{k}:SIGN:CELL:RCAuse:ATTach",
        "t3346": f"CONFigure:{k}:SIGN:CELL:TOUT:T3346",
    }


def unquote(answer: str) -> str | None:
    answer = answer.strip().strip('"')
    return None if answer in (NOT_AVAILABLE, "") else answer


class CmwCallbox:
    def __init__(self, instrument: ScpiInstrument, rat: str):
        if rat not in KEYWORD:
            raise InstrumentError(f"CMW driver: no signalling tree for RAT {rat!r}")
        self.instrument = instrument
        self.identity = instrument.identity
        self.commands = commands(rat)

    def cell(self, on: bool) -> None:
        self.instrument.write(f"{self.commands['cell']} {'ON' if on else 'OFF'}")

    def cell_is_on(self) -> bool:
        return self.instrument.query(self.commands["cell?"]).split(",")[0].strip().upper() == "ON"

    def set_ip_versions(self, versions: IpVersions) -> None:
        self.instrument.write(f"{self.commands['ip_version']} {versions}")

    def set_psm(self, allowed: bool, t3324_s: int | None = None, t3412_extended_s: int | None = None) -> None:
        self.instrument.write(f"{self.commands['psm']} {'ON' if allowed else 'OFF'}")
        self.instrument.write(f"{self.commands['t3324']} {'OFF' if t3324_s is None else t3324_s}")
        self.instrument.write(f"{self.commands['t3412_extended']} {'OFF' if t3412_extended_s is None else t3412_extended_s}")

    def reject_next_attach(self, cause: int | None, t3346_s: int | None = None) -> None:
        self.instrument.write(f"{self.commands['t3346']} {'OFF' if t3346_s is None else t3346_s}")
        self.instrument.write(f"{self.commands['reject_attach']} " + ("OFF" if cause is None else f"ON,{cause}"))

    def attach_state(self) -> AttachState:
        answer = self.instrument.query(self.commands["ps_state?"]).strip().upper()
        return PS_STATES.get(answer, "other")

    def ue_info(self) -> UeInfo:
        ipv4 = unquote(self.instrument.query(self.commands["ipv4?"]))
        ipv6 = unquote(self.instrument.query(self.commands["ipv6?"]))
        try:
            return UeInfo(
                imei=unquote(self.instrument.query(self.commands["imei?"])),
                imsi=unquote(self.instrument.query(self.commands["imsi?"])),
                ipv4=ipaddress.IPv4Address(ipv4) if ipv4 else None,
                ipv6=ipaddress.IPv6Address(ipv6) if ipv6 else None,
            )
        except ValueError as exc:
            raise InstrumentError(f"callbox {self.instrument.resource}: UE address not readable: {exc}") from exc

    def detach(self) -> None:
        self.instrument.write(f"{self.commands['ps_action']} DETach")

    def log_between(self, start: float, end: float) -> str:
        return self.instrument.log_between(start, end)

    def close(self) -> None:
        self.instrument.close()


DRIVERS = {"cmw": CmwCallbox}
