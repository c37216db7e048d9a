"""hypothesis strategies that mutate real input - the project's own builders'
output, real captures, tool reports - the way a non-conformant device, a
damaged file or a flaky instrument would: bytes flipped, cut, repeated or
spliced with edge values; text with huge numbers, odd digits, cut quotes and
endless lines; JSON with nodes of the wrong type and deep nesting.

Every parser of outside input has a property test built on these: whatever
comes, it returns its typed result or raises its typed error (the `typed`
assertion), within the deadline of the profile below - a guard against
pathological inputs (quadratic loops, huge allocations), not a speed limit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "hostile", max_examples=500, deadline=timedelta(seconds=5), database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HOSTILE = settings.get_profile("hostile")

EDGE_BYTES = [b"\x00", b"\xff", b"\x7f", b"\x80", b"\x00" * 4, b"\xff" * 4, b"\x01\x00", b"\xff\xff\xff\x7f"]
EDGE_TEXT = ['"', ",", "\r", "\n", "\r\n", ":", "=", "+", "-", "#", "\\", "\x00", "\x1b[2J", "\ufffd",
             "9" * 5000, "\u0663\u0664", "\uff11\uff12", "1e999", "-0", "NaN", "[" * 3000, "{" * 3000,
             "x" * 20000, "\u202e", "\ud7ff", "0x1F", " " * 100]
EDGE_VALUES: list[Any] = [None, True, False, 0, -1, 2**70, 1.5, 1e308, float("inf"), "", "x", "9" * 40, [], {},
                          ["x"], {"": None}, [[[]]], "did:key:z", "\u0663"]


# Positions, paths and operations are drawn from a random.Random that
# hypothesis seeds: uniform over the input, where hypothesis's own integers
# lean to small values (the first byte, the document's root) every time.


def _mutate_bytes(seed: bytes, rng) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(data))
        kind = rng.randint(0, 5)
        if kind == 0 and data:  # flip bits of a byte
            data[at % len(data)] ^= rng.randint(1, 255)
        elif kind == 1:  # insert
            data[at:at] = rng.randbytes(rng.randint(1, 8))
        elif kind == 2:  # delete a run
            del data[at:at + rng.randint(1, 16)]
        elif kind == 3:  # cut short
            del data[at:]
        elif kind == 4:  # repeat a run
            data[at:at] = data[at:at + rng.randint(1, 64)] * rng.randint(2, 4)
        else:  # an edge value over what is there
            edge = rng.choice(EDGE_BYTES)
            data[at:at + len(edge)] = edge
    return bytes(data)


def mutated_bytes(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.builds(_mutate_bytes, st.sampled_from(seeds), st.randoms(use_true_random=False)),
                     st.binary(max_size=64))


def _mutate_text(seed: str, rng, token: str) -> str:
    text = seed
    for _ in range(rng.randint(1, 5)):
        at = rng.randint(0, len(text))
        kind = rng.randint(0, 3)
        value = rng.choice(EDGE_TEXT) if rng.random() < 0.7 else token
        if kind == 0:  # insert
            text = text[:at] + value + text[at:]
        elif kind == 1:  # delete a run
            text = text[:at] + text[at + rng.randint(1, 16):]
        elif kind == 2:  # cut short
            text = text[:at]
        else:  # an edge token over what is there
            text = text[:at] + value + text[at + len(value):]
    return text


def mutated_text(seeds: list[str]) -> st.SearchStrategy[str]:
    return st.builds(_mutate_text, st.sampled_from(seeds), st.randoms(use_true_random=False), st.text(max_size=8))


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


def _replace(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _at(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


def _mutate_json(seed: Any, rng, generated: Any) -> Any:
    value = seed
    for _ in range(rng.randint(1, 3)):
        paths = _paths(value)
        path = rng.choice(paths[1:] or paths)  # the root is replaced only where there is nothing else
        roll = rng.random()
        if path and roll < 0.2 and isinstance(_at(value, path[:-1]), dict):  # a member removed
            parent = _at(value, path[:-1])
            value = _replace(value, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})
        elif roll < 0.75:
            value = _replace(value, path, rng.choice(EDGE_VALUES))
        elif roll < 0.85:
            value = _replace(value, path, _nested(rng.randint(2, 200)))
        else:
            value = _replace(value, path, generated)
    return value


def mutated_json(seeds: list[Any]) -> st.SearchStrategy[Any]:
    """A seed with some of its nodes replaced: by edge values, by a node of
    another type, by deep nesting, or removed from its object."""
    generated = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                             lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                          max_size=3), max_leaves=8)
    return st.builds(_mutate_json, st.sampled_from(seeds), st.randoms(use_true_random=False), generated)


def json_texts(seeds: list[Any]) -> st.SearchStrategy[str]:
    """JSON documents mutated as structures, and as text."""
    return st.one_of(mutated_json(seeds).map(json.dumps), mutated_text([json.dumps(seed) for seed in seeds]))


def typed(call: Callable[[], Any], *errors: type[BaseException]) -> Any:
    """The call's result, or None when it raised one of `errors`; anything
    else propagates and fails the property."""
    try:
        return call()
    except errors:
        return None
