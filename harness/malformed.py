"""Input from outside the harness - the DUT, its module, a callbox, a peer, a
tool's report, a lab config - is hostile. Its parsers return a typed result
or raise MalformedInput (a domain's subclass), never another exception, in
bounded time and memory. The bounded readers they share live here: JSON
with a size and depth limit, decimal integers with a digit limit.

Whose fault a MalformedInput is - the DUT's (a `failed` verdict naming the
clause it broke) or the lab's (`broken`) - is written once, in
harness/policy.py."""

from __future__ import annotations

import json
import re
from typing import Any

# A DID document, a resolver answer, an MQTT payload, a tool's report: none
# comes near these. Beyond them the input is refused, not read.
MAX_DOCUMENT_CHARS = 8 * 1024 * 1024
MAX_NESTING = 64
# The longest integer any format read here carries (a 64-bit counter).
MAX_INTEGER_DIGITS = 20
_DECIMAL = re.compile(r"[0-9]+")  # ASCII digits only: \d also takes Arabic-Indic and other digits


class MalformedInput(ValueError):
    """Input that does not follow the format it claims to be in. `clause`,
    when the parser knows it, is the catalogue id of the rule the input
    breaks; otherwise the policy's default for the error's class applies."""

    def __init__(self, message: str, clause: str | None = None):
        super().__init__(message)
        self.clause = clause


def decimal(text: str, what: str, error: type[MalformedInput] = MalformedInput,
            max_digits: int = MAX_INTEGER_DIGITS) -> int:
    """A non-negative decimal integer of ASCII digits, at most `max_digits` long."""
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        raise error(f"{what} is not a decimal integer: {_shown(text)}")
    if len(text) > max_digits:
        raise error(f"{what} has {len(text)} digits, more than the {max_digits} allowed")
    return int(text)


def json_value(text: str | bytes, what: str, error: type[MalformedInput] = MalformedInput,
               max_chars: int = MAX_DOCUMENT_CHARS, max_nesting: int = MAX_NESTING) -> Any:
    """A JSON value no longer than `max_chars` and nested at most
    `max_nesting` deep, so that whatever walks it later cannot recurse
    without bound; anything else raises `error` naming `what`."""
    if len(text) > max_chars:
        raise error(f"{what} is {len(text)} characters long, more than the {max_chars} allowed")
    try:
        value = json.loads(text)
    except RecursionError:
        raise error(f"{what} is nested deeper than {max_nesting} levels") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError, bad UTF-8, an integer past Python's digit limit
        raise error(f"{what} is not JSON: {exc}") from None
    if nesting(value) > max_nesting:
        raise error(f"{what} is nested deeper than {max_nesting} levels")
    return value


def nesting(value: Any) -> int:
    """How deep lists and objects nest in a JSON value (a scalar is 0); iterative."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def json_object(text: str | bytes, what: str, error: type[MalformedInput] = MalformedInput, **limits: int) -> dict[str, Any]:
    value = json_value(text, what, error, **limits)
    if not isinstance(value, dict):
        raise error(f"{what} is a JSON {type(value).__name__}, not an object")
    return value


def _shown(text: Any, chars: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= chars else shown[:chars] + "..."
