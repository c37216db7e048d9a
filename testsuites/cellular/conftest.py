"""Shared steps of the AP-CELL suite. Every verdict comes from what a bench
has too: the NAS trace, the module's AT port and the callbox. The harness
drives the radio through the module's second AT port (+CFUN) and the network
through the callbox; it never reads the emulators' internals."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

import pytest

from harness.cellular.at_responses import CeregReport, PdpAddresses, parse_cereg, parse_cgpaddr
from harness.cellular.attach import AttachExchange, TimedMessage, exchange_from
from harness.cellular.timers import T3410_NBS1_S, T3410_S, T3411_S, T3450_S
from harness.cellular_lab import CellularLab
from harness.config.models import CellularClaims, LabConfig
from harness.errors import HarnessError
from harness.ipv6.timers import DAD_PROBE_WAIT_S, ROUTER_SOLICITATION_WAIT_S
from harness.verdict import nonconformant

# Lab allowances (not protocol timers): a powered module finds the cell and
# sends its Attach Request; the DUT's connection manager finds its module
# after boot (it probes once a second for up to 30 s, firmware/bin/cellmgr).
CELL_SEARCH_ALLOWANCE_S = 5.0
CONNECTION_MANAGER_ALLOWANCE_S = 30.0
# A switch-off detach has no timer (TS 24.301 5.5.2.2.1): the module sends it before it powers down.
SWITCH_OFF_ALLOWANCE_S = 5.0
# After the attach the DUT reconfigures its PDN interface: its connection
# manager reacts to +CEREG, then DAD and the RS/RA exchange (RFC 4862, 4861).
PDN_CONFIGURED_WAIT_S = 5.0 + DAD_PROBE_WAIT_S + ROUTER_SOLICITATION_WAIT_S
# A UE that ignores what it was told retries within T3411 (TS 24.301 5.5.1.2.6).
RETRY_WATCH_S = T3411_S + CELL_SEARCH_ALLOWANCE_S
# Timer starts and expiries as the trace sees them: each message is stamped
# when the trace sink receives it, not when the UE acts (radio, scheduling).
TIMER_TOLERANCE_S = 1.0
ACT_BY_CATEGORY = {"cat1": 7, "nbiot": 9}  # TS 27.007 10.1.22 <AcT>: E-UTRAN, E-UTRAN (NB-S1 mode)


@dataclass
class Cell:
    lab: CellularLab
    config: LabConfig
    claims: CellularClaims

    @property
    def category(self) -> str:
        return self.claims.category

    @property
    def t3410_s(self) -> float:
        return T3410_NBS1_S if self.category == "nbiot" else T3410_S

    def check_lab(self) -> None:
        """Before an absence is judged: a dead module, network, AT port or
        trace sink is the lab's failure (broken), not the terminal's."""
        reason = self.lab.failure()
        if reason is not None:
            raise HarnessError(f"cellular lab lost: {reason}")

    def check_absence(self, since: int) -> None:
        """Before a message's absence is judged: the lab first (broken), then
        what the UE sent that does not decode (its failure, TS 24.301 9) -
        the awaited message may be among it."""
        self.check_lab()
        malformed = self.lab.trace.unparsed_uplink(since)
        if malformed:
            nonconformant("TS24.301-9", "uplink NAS messages coded as TS 24.301 section 9 defines",
                          f"{len(malformed)} that do not decode, the first: {malformed[0].problem}")

    # -- the trace -----------------------------------------------------------
    def timed(self, since: int = 0) -> list[TimedMessage]:
        return [TimedMessage(m.time, m.message) for m in self.lab.trace.messages(since) if m.message is not None]

    def exchange(self, since: int, request_wait: float) -> AttachExchange:
        """The attach exchange starting at trace index `since`: waits for the
        Attach Request, then for its ending - the UE's guard is T3410, and
        after an Attach Accept the network's T3450 bounds the Attach Complete."""
        trace = self.lab.trace
        request = trace.wait_for(lambda m: m.name == "Attach Request", request_wait, since=since)
        if request is None:
            self.check_absence(since)
            nonconformant("TS24.301-5.5.1", f"an Attach Request within {request_wait:.0f} s of switching the radio on",
                          "no Attach Request in the NAS trace")
        trace.wait_for(lambda m: m.name in ("Attach Accept", "Attach Reject", "Authentication Failure",
                                            "Security Mode Reject"), self.t3410_s, since=request.index)
        trace.wait_for(lambda m: m.name in ("Attach Complete", "Attach Reject", "Authentication Failure",
                                            "Security Mode Reject"), T3450_S, since=request.index)
        return exchange_from(self.timed(request.index))

    def boot_exchange(self) -> AttachExchange:
        """The first attach of the session: the DUT's own, out of the box."""
        return self.exchange(0, CONNECTION_MANAGER_ALLOWANCE_S + self.t3410_s)

    def radio_off(self) -> int:
        """+CFUN=0 on the harness's AT port; the trace index from before it."""
        mark = self.lab.trace.mark()
        self.lab.modem.command("AT+CFUN=0")
        return mark

    def reattach(self) -> AttachExchange:
        """Radio off and on: a fresh attach with whatever the test configured."""
        self.radio_off()
        mark = self.lab.trace.mark()
        self.lab.modem.command("AT+CFUN=1")
        return self.exchange(mark, CELL_SEARCH_ALLOWANCE_S)

    def attach_requests_after(self, since: int, watch_s: float) -> list[TimedMessage]:
        """Attach Requests at or after trace index `since`, watching `watch_s` seconds for one more."""
        self.lab.trace.wait_for(lambda m: m.name == "Attach Request", watch_s, since=self.lab.trace.mark())
        self.check_absence(since)
        return [m for m in self.timed(since) if m.message.name == "Attach Request"]

    # -- the AT port ------------------------------------------------------------
    def registration(self, n: int = 2) -> CeregReport:
        """+CEREG read form with reporting level n, waiting (bounded) for registration."""
        modem = self.lab.modem
        modem.command(f"AT+CEREG={n}")
        report = parse_cereg(modem.command("AT+CEREG?").with_prefix("+CEREG")[0])
        if not report.registered:
            mark = modem.urc_mark()
            self.lab.modem.wait_urc(lambda text: parse_cereg(text).registered, CELL_SEARCH_ALLOWANCE_S + self.t3410_s,
                                    since=mark)
            report = parse_cereg(modem.command("AT+CEREG?").with_prefix("+CEREG")[0])
        return report

    def addresses(self) -> PdpAddresses:
        return parse_cgpaddr(self.lab.modem.command("AT+CGPADDR=1").with_prefix("+CGPADDR")[0])

    # -- the callbox ------------------------------------------------------------
    def test_mode(self, what: str):
        """The callbox, when its driver offers this test-mode stimulus; else the case skips."""
        if not hasattr(self.lab.callbox, what):
            pytest.skip(f"the {type(self.lab.callbox).__name__} driver has no test mode for {what}")
        return self.lab.callbox

    def ping_until_answered(self, address: ipaddress.IPv6Address, wait_s: float) -> float | None:
        """Echo requests from the PDN's peer until one is answered (each bounded): the RTT, or None."""
        callbox = self.test_mode("ping")
        deadline = time.monotonic() + wait_s
        while True:
            rtt = callbox.ping(address)
            if rtt is not None:
                return rtt
            if time.monotonic() >= deadline:
                self.check_lab()
                return None

    def restore(self) -> None:
        """The network as the lab config sets it, the module's PSM/eDRX off and
        the UE attached again (a power cycle clears an invalid USIM and the
        forbidden PLMN list a reject left)."""
        callbox, modem = self.lab.callbox, self.lab.modem
        callbox.reject_next_attach(None)
        callbox.set_ip_versions(self.config.cellular.cell.ip_versions)
        callbox.set_psm(True)
        modem.command("AT+CPSMS=0")
        modem.command("AT+CEDRXS=0")
        mark = self.radio_off()
        modem.command("AT+CFUN=1,1")
        if self.lab.trace.wait_for(lambda m: m.name == "Attach Complete", CELL_SEARCH_ALLOWANCE_S + self.t3410_s,
                                   since=mark) is None:
            raise HarnessError("the UE did not attach again after the case (module or network state unknown)")


@pytest.fixture(scope="session")
def cell(dut, cellular, lab_config) -> Cell:
    claims = lab_config.declaration.cellular
    if claims is None:
        pytest.skip("the declaration has no cellular claims")
    cellular.modem.setup()  # the lab's handshake: a port that answers it with garbage is the lab's (broken)
    return Cell(cellular, lab_config, claims)


@pytest.fixture(scope="session")
def boot_attach(cell) -> AttachExchange:
    return cell.boot_exchange()


@pytest.fixture
def reattaching(cell) -> Cell:
    """For a case that re-attaches with its own network or module settings:
    the settings of the lab config, and an attached UE, come back after it."""
    cell.check_lab()
    cell.boot_exchange()  # the DUT's own attach is judged before any case disturbs it
    yield cell
    cell.restore()


def require_category(cell: Cell, category: str) -> None:
    if cell.category != category:
        pytest.skip(f"applies to {category}; the DUT declares {cell.category}")


