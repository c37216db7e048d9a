"""The emulated network's test mode, on top of the CMW command subset: the
stimuli a conformance test system scripts but a callbox's remote-control
command set does not offer (a corrupted AUTN, mismatched replayed security
capabilities, silence to an Attach Request) and a ping from the PDN's peer to
the UE. These headers are the emulator's own (TMODe), not R&S commands: a
real CMW is driven by CmwCallbox, and the cases that need a test mode skip
there with the reason."""

from __future__ import annotations

import ipaddress

from harness.errors import InstrumentError
from harness.instruments.cmw import KEYWORD, CmwCallbox

PING_TIMEOUT = "TIMEOUT"


class EmulatedCmwCallbox(CmwCallbox):
    def __init__(self, instrument, rat: str):
        super().__init__(instrument, rat)
        k = KEYWORD[rat]
        self.commands.update({
            "corrupt_autn": f"CONFigure:{k}:SIGN:TMODe:AUTN:CORRupt",
            "mismatch_capabilities": f"CONFigure:{k}:SIGN:TMODe:SMC:MISMatch",
            "ignore_attach": f"CONFigure:{k}:SIGN:TMODe:ATTach:IGNore",
            "ping?": f"SENSe:{k}:SIGN:TMODe:PING?",
        })

    def corrupt_next_autn(self) -> None:
        """The next Authentication Request's AUTN carries a wrong MAC."""
        self.instrument.write(f"{self.commands['corrupt_autn']} ON")

    def mismatch_next_capabilities(self) -> None:
        """The next Security Mode Command replays capabilities the UE did not send."""
        self.instrument.write(f"{self.commands['mismatch_capabilities']} ON")

    def ignore_attach_requests(self, count: int) -> None:
        """Leave the next `count` Attach Requests unanswered."""
        self.instrument.write(f"{self.commands['ignore_attach']} {count}")

    def ping(self, address: ipaddress.IPv6Address) -> float | None:
        """An echo request from the PDN's peer to `address`: the round trip in ms, or None."""
        answer = self.instrument.query(f"{self.commands['ping?']} \"{address}\"").strip()
        if answer == PING_TIMEOUT:
            return None
        try:
            return float(answer)
        except ValueError as exc:
            raise InstrumentError(f"callbox {self.instrument.resource}: ping answer {answer!r} not understood") from exc
