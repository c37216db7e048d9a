"""Vendor habits of AT ports, one small named profile each: which lines are
unsolicited, what to send before the first real command. A new module family
is a new entry here, not a flag in the channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ATDialect:
    name: str
    # Line prefixes that are always unsolicited (TS 27.007 and vendor URCs).
    urc_prefixes: tuple[str, ...]
    # Commands that bring the port to a known state: echo off, numeric errors.
    setup: tuple[str, ...] = ("ATE0", "AT+CMEE=1")


STANDARD_URCS = ("+CGEV:", "+CEDRXP:", "+CIREGU:", "+CTZV:", "+CTZE:", "RDY", "+CPIN:", "+CFUN:")

GENERIC = ATDialect("generic", STANDARD_URCS)
QUECTEL = ATDialect("quectel", STANDARD_URCS + ("+QIND:", "+QPSMTIMER:", "+QNTP:", "+QIURC:", "POWERED DOWN"))
SIMCOM = ATDialect("simcom", STANDARD_URCS + ("+CPSI:", "SMS DONE", "PB DONE", "+CLTS:", "*PSUTTZ:", "DST:"))

DIALECTS = {dialect.name: dialect for dialect in (GENERIC, QUECTEL, SIMCOM)}
