"""The order a campaign runs its cases in. Each case must establish the state
it needs, so its verdict cannot depend on the order: a campaign (and the
fault matrix's fault profiles) can run reversed or shuffled to show it."""

from __future__ import annotations

import argparse
import random
from typing import Any

ORDERS = "collection, reversed or shuffled:SEED"


def case_order(text: str) -> str:
    """argparse type of --case-order."""
    kind, _, seed = text.partition(":")
    if text in ("collection", "reversed") or (kind == "shuffled" and seed.isdigit()):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: expected {ORDERS}")


def reorder(items: list[Any], order: str) -> None:
    """Put the collected cases in `order`, in place (a seed gives one order, always)."""
    if order == "reversed":
        items.reverse()
    elif order.startswith("shuffled:"):
        random.Random(int(order.partition(":")[2])).shuffle(items)
