"""Typed errors of the pure cellular layer. They say what was malformed; the
caller decides whether that is the DUT's fault (its AT port sent garbage)
or the lab's (a truncated trace file)."""

from __future__ import annotations

from harness.malformed import MalformedInput


class CellularParseError(MalformedInput):
    """Input that does not follow the format it claims to be in."""


# The clause each parsed command's answer is defined in (the catalogue's ids);
# an answer that breaks its syntax is the module's failure of that clause.
AT_CLAUSES = {"+CEREG": "TS27.007-10.1.22", "+CGDCONT": "TS27.007-10.1.1", "+CGPADDR": "TS27.007-10.1.14",
              "+CGMI": "TS27.007-5.1", "+CGMM": "TS27.007-5.1", "+CGMR": "TS27.007-5.1", "+CGSN": "TS23.003-6.2",
              "+CPSMS": "TS24.301-5.3.11", "+CEDRXS": "TS24.301-5.3.12"}
AT_SYNTAX_CLAUSE = "TS27.007-4.2"
SHOWN_LINE_CHARS = 200


class ATParseError(CellularParseError):
    """An AT response line that does not parse (TS 27.007 syntax)."""

    def __init__(self, command: str, line: str, reason: str):
        self.command = command
        self.line = line
        shown = line if len(line) <= SHOWN_LINE_CHARS else line[:SHOWN_LINE_CHARS] + "..."
        super().__init__(f"{command}: cannot parse {shown!r}: {reason}", AT_CLAUSES.get(command, AT_SYNTAX_CLAUSE))


class NASDecodeError(CellularParseError):
    """A NAS PDU pycrate cannot decode, or one shorter than its header."""


class GsmtapError(CellularParseError):
    """A GSMTAP header that is truncated or not version 2."""


class TraceError(CellularParseError):
    """A trace file that is truncated or not a capture at all. Carries the
    messages read before the damage so no evidence is lost."""

    def __init__(self, path: str, reason: str, messages_so_far: list | None = None):
        self.path = path
        self.reason = reason
        self.messages_so_far = messages_so_far or []
        super().__init__(f"{path}: {reason} (after {len(self.messages_so_far)} messages)")
