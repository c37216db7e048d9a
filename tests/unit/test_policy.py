"""The exception policy: every typed error of outside input is either the
DUT's (failed, naming a catalogue clause) or the lab's (broken), and the
plugin applies it to whatever escapes a test or a fixture."""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest

import harness
from harness.cellular.errors import ATParseError, CellularParseError, NASDecodeError, TraceError
from harness.clauses import catalogue
from harness.identity.errors import IdentityError, InvalidDocument
from harness.malformed import MalformedInput
from harness.policy import DUT_INPUT, LAB_INPUT, as_nonconformance

from .test_plugin import run_pytest


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_malformed_input_class_has_exactly_one_side():
    for module in pkgutil.walk_packages(harness.__path__, "harness."):
        if module.name not in ("harness.__main__",):
            importlib.import_module(module.name)
    # A domain's base class is a family, never raised itself.
    families = {CellularParseError, IdentityError}
    classes = {cls for cls in _all_subclasses(MalformedInput) if cls.__module__.startswith("harness.")} - families
    dut = {rule.error for rule in DUT_INPUT}
    lab = set(LAB_INPUT)
    assert not dut & lab
    unlisted = {cls.__qualname__ for cls in classes if not any(issubclass(cls, listed) for listed in dut | lab)}
    assert unlisted == set(), "every MalformedInput class is the DUT's or the lab's"


def test_every_default_clause_is_in_the_catalogue():
    for rule in DUT_INPUT:
        assert catalogue().point_of(rule.clause) is not None, rule


def test_the_dut_side_becomes_a_nonconformance_naming_its_clause():
    failure = as_nonconformance(InvalidDocument("verificationMethod must be a list (DID Core 5.2)"))
    assert failure is not None and failure.clause == "DIDCORE-5.1.1"
    assert "verificationMethod must be a list" in failure.observed
    at = as_nonconformance(ATParseError("+CEREG", "+CEREG: x", "stat is not an unquoted integer"))
    assert at is not None and at.clause == "TS27.007-10.1.22"
    assert as_nonconformance(ATParseError("+CSQ", "+CSQ: ?", "odd")).clause == "TS27.007-4.2"


def test_the_lab_side_and_unattributed_errors_stay_what_they_are():
    assert as_nonconformance(TraceError("trace.pcap", "cut short")) is None
    assert as_nonconformance(NASDecodeError("downlink PDU does not decode")) is None  # the callbox's
    uplink = as_nonconformance(NASDecodeError("uplink PDU does not decode", clause="TS24.301-9"))
    assert uplink is not None and uplink.clause == "TS24.301-9"
    assert as_nonconformance(ValueError("a harness bug")) is None


BODY = '''
from harness.identity.errors import IdentityError, InvalidDocument
from harness.cellular.errors import TraceError

@pytest.fixture
def document():
    raise InvalidDocument("authentication must be a list (DID Core 5.3.1)")

def test_dut_output_in_the_body():
    raise InvalidDocument("the document's id is None")

def test_dut_output_in_a_fixture(document):
    pass

def test_lab_output():
    raise TraceError("trace.pcap", "record 3 is cut short")
'''


def test_the_plugin_applies_the_policy_to_bodies_and_fixtures(tmp_path):
    results = tmp_path / "allure"
    run_pytest(tmp_path, BODY, "--alluredir", str(results))
    statuses = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text())
        statuses[data["name"]] = (data["status"], data["statusDetails"]["message"])
    assert statuses["test_dut_output_in_the_body"][0] == "failed"
    assert "W3C DID Core 1.0 5.1.1: expected a DID document valid" in statuses["test_dut_output_in_the_body"][1]
    assert statuses["test_dut_output_in_a_fixture"][0] == "failed"
    assert "authentication must be a list" in statuses["test_dut_output_in_a_fixture"][1]
    assert statuses["test_lab_output"][0] == "broken"


@pytest.mark.parametrize("rule", DUT_INPUT, ids=lambda rule: rule.error.__name__)
def test_each_rule_names_what_a_conformant_dut_sends(rule):
    assert rule.expected and not rule.expected.endswith(".")
