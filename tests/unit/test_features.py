"""A declaration can leave out only what is optional: every feature a lab
config may name is either mandatory (judged whatever is declared) or
optional (skipped where not declared)."""

from __future__ import annotations

from typing import get_args

from harness.config.models import Feature
from harness.features import MANDATORY_FEATURES, OPTIONAL_FEATURES, not_applicable


def test_every_feature_is_mandatory_or_optional_and_not_both():
    assert set(get_args(Feature)) == set(MANDATORY_FEATURES) | OPTIONAL_FEATURES
    assert not set(MANDATORY_FEATURES) & OPTIONAL_FEATURES


def test_a_must_is_judged_even_when_declared_away_and_a_should_is_not():
    assert not_applicable("mldv2", ["ipv6", "slaac"]) is None
    assert not_applicable("dhcpv6", ["ipv6", "slaac"]) == "DUT does not declare feature 'dhcpv6'"
    assert not_applicable("dhcpv6", ["dhcpv6"]) is None
