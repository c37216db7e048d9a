"""--case-order: the orders a campaign can run its cases in."""

import argparse

import pytest

from harness.ordering import case_order, reorder


@pytest.mark.parametrize("text", ["collection", "reversed", "shuffled:0", "shuffled:2027"])
def test_the_three_orders_are_accepted(text):
    assert case_order(text) == text


@pytest.mark.parametrize("text", ["", "random", "shuffled", "shuffled:", "shuffled:-1", "shuffled:seven", "reversed:1"])
def test_anything_else_is_refused_with_the_choices(text):
    with pytest.raises(argparse.ArgumentTypeError, match="collection, reversed or shuffled:SEED"):
        case_order(text)


def test_a_seed_gives_one_order_and_keeps_every_case():
    cases = list(range(50))
    first, second, other = list(cases), list(cases), list(cases)
    reorder(first, "shuffled:7")
    reorder(second, "shuffled:7")
    reorder(other, "shuffled:8")
    assert first == second and first != cases and first != other
    assert sorted(first) == cases


def test_reversed_and_collection():
    cases = [1, 2, 3]
    reorder(cases, "collection")
    assert cases == [1, 2, 3]
    reorder(cases, "reversed")
    assert cases == [3, 2, 1]
