"""Typed errors of the pure cellular layer. They say what was malformed; the
caller decides whether that is the DUT's fault (its AT port sent garbage)
or the lab's (a truncated trace file)."""

from __future__ import annotations


class CellularParseError(ValueError):
    """Input that does not follow the format it claims to be in."""


class ATParseError(CellularParseError):
    """An AT response line that does not parse (TS 27.007 syntax)."""

    def __init__(self, command: str, line: str, reason: str):
        self.command = command
        self.line = line
        super().__init__(f"{command}: cannot parse {line!r}: {reason}")


class NASDecodeError(CellularParseError):
    """A NAS PDU pycrate cannot decode, or one shorter than its header."""


class GsmtapError(CellularParseError):
    """A GSMTAP header that is truncated or not version 2."""


class TraceError(CellularParseError):
    """A trace file that is truncated or not a capture at all. Carries the
    messages read before the damage so no evidence is lost."""

    def __init__(self, path: str, reason: str, messages_so_far: list | None = None):
        self.path = path
        self.messages_so_far = messages_so_far or []
        super().__init__(f"{path}: {reason} (after {len(self.messages_so_far)} messages)")
