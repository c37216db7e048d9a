"""The fault-matrix expectations and the reference DUT's firmware name the
same profiles, and the matrix names only cases that exist: a profile the
firmware offers but the matrix leaves out would be a fault nobody checks."""

from __future__ import annotations

import re

from fixtures.cellular.ue import FAULTS as MODULE_FAULTS
from harness.faultmatrix import MODULE_PROFILE_PREFIX, load_expectations
from harness.faultplan import suite_cases

PROFILES_SCRIPT = "fixtures/refdut/firmware/etc/refdut/profiles.sh"
RULESETS = "fixtures/refdut/firmware/etc/refdut/faults"


def firmware_profiles(repo) -> set[str]:
    """The case labels of apply_profile, the identity, data and security faults, and one profile per nftables ruleset."""
    script = (repo / PROFILES_SCRIPT).read_text()
    body = script[script.index("apply_profile()"):]
    labels = set(re.findall(r"^\s+([a-z0-9-]+)\)", body, flags=re.MULTILINE))
    listed = {name for group in ("IDENTITY_FAULTS", "DATA_FAULTS", "SECID_FAULTS")
              for name in re.search(rf'^{group}="([^"]*)"', script, flags=re.MULTILINE)[1].split()}
    return labels | listed | {path.stem for path in (repo / RULESETS).glob("*.nft")}


def test_every_firmware_profile_is_in_the_matrix_and_back(repo):
    module_profiles = {MODULE_PROFILE_PREFIX + fault for fault in MODULE_FAULTS}
    assert set(load_expectations()) == firmware_profiles(repo) | module_profiles


def test_the_matrix_names_only_existing_cases(repo):
    cases = set(suite_cases(repo / "testsuites"))
    named = {case for targets in load_expectations().values() if targets != "all" for case in targets}
    suites = {name for name in named if name.endswith("/*")}
    assert all((repo / "testsuites" / suite[:-2]).is_dir() for suite in suites), suites
    assert named - suites <= cases, sorted(named - suites - cases)
