"""The attach exchange a NAS trace holds (TS 24.301 5.5.1.2): the messages
from an Attach Request to the message that ends it, with the accessors a
check reads. Pure: built from (time, message) pairs, whatever recorded them."""

from __future__ import annotations

from dataclasses import dataclass

from harness.cellular.nas import NasMessage

# Messages that end an attach attempt, whatever the outcome.
ENDINGS = {"Attach Complete", "Attach Reject", "Authentication Failure", "Authentication Reject",
           "Security Mode Reject"}


@dataclass(frozen=True)
class TimedMessage:
    time: float
    message: NasMessage


@dataclass(frozen=True)
class AttachExchange:
    messages: tuple[TimedMessage, ...]  # the Attach Request first

    def first(self, name: str) -> TimedMessage | None:
        return next((m for m in self.messages if m.message.name == name), None)

    def names(self) -> list[str]:
        return [m.message.name for m in self.messages]

    @property
    def request(self) -> NasMessage:
        return self.messages[0].message

    @property
    def start(self) -> float:
        return self.messages[0].time

    @property
    def outcome(self) -> str:
        """The ending message's name, or 'no ending' when the trace stops first."""
        ending = next((m for m in self.messages if m.message.name in ENDINGS), None)
        return "no ending" if ending is None else ending.message.name

    def message(self, name: str) -> NasMessage | None:
        found = self.first(name)
        return None if found is None else found.message

    @property
    def default_bearer_request(self) -> NasMessage | None:
        """The Activate Default EPS Bearer Context Request inside the Attach Accept."""
        accept = self.message("Attach Accept")
        return None if accept is None else accept.esm

    @property
    def granted_pdn_type(self) -> int | None:
        """The PDN type the network granted: its PDN address IE (TS 24.301 9.9.4.9)."""
        bearer = self.default_bearer_request
        return None if bearer is None or bearer.pdn_address is None else bearer.pdn_address.pdn_type


def exchange_from(messages: list[TimedMessage]) -> AttachExchange | None:
    """The first attach exchange in `messages`: from its Attach Request to its
    ending (or to the end of the list), None when there is no Attach Request."""
    start = next((i for i, m in enumerate(messages) if m.message.name == "Attach Request"), None)
    if start is None:
        return None
    chosen = [messages[start]]
    for timed in messages[start + 1:]:
        if timed.message.name == "Attach Request":
            break
        chosen.append(timed)
        if timed.message.name in ENDINGS:
            break
    return AttachExchange(tuple(chosen))
