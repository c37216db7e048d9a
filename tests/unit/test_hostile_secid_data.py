"""AP-SECID and AP-DATA parsers on hostile input (hypothesis, seeded with a
real nmap report, a real sslyze report, the lab's credential list, the
unit's component list and payloads, mutated): each gives its typed result
or its typed error, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from harness.data.important_data import CatalogueInvalid, parse_catalogue
from harness.data.inventory import payload_object, topic_matches
from harness.data.personal import find_personal
from harness.drivers.nmap import ScanError
from harness.drivers.nmap import parse_report as parse_nmap
from harness.drivers.sslyze_scan import TlsScanError
from harness.drivers.sslyze_scan import parse_report as parse_sslyze
from harness.secid import (CredentialListError, SbomInvalid, cleartext_greeting, parse_component_list,
                           parse_credentials, parse_sbom, sbom_components)
from tests.mutations import HOSTILE, json_texts, mutated_bytes, mutated_json, mutated_text, typed
from tests.unit.test_secid_knowledge import REPORT as NMAP_REPORT

HERE = Path(__file__).parent
# sslyze 6.3.1 against `openssl s_server` on loopback (TLS 1.2 and 1.3, a lab CA), trimmed to what it scanned.
SSLYZE_REPORT = (HERE / "sslyze_report.json").read_text(encoding="utf-8")
CATALOGUE = HERE.parents[1] / "fixtures" / "refdut" / "firmware" / "etc" / "refdut" / "data-catalogue.json"
SBOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
    {"type": "library", "name": "openssl", "version": "3.0.11"}, {"type": "application", "name": "busybox"}]}
PAYLOAD = {"meter_id": "RD-0001", "energy_kwh": 12.5, "location": {"lat": 39.9042, "lon": 116.4074},
           "owner": {"phone": "+86 13800138000", "id": "11010519491231002X"}, "readings": [1, 2, 3]}


def test_the_seeds_parse():
    assert parse_nmap(NMAP_REPORT) and parse_sslyze(SSLYZE_REPORT, 4433).accepted["TLS 1.3"]


@HOSTILE
@given(mutated_text([NMAP_REPORT]))
def test_nmap_reports(text):
    typed(lambda: parse_nmap(text), ScanError)


@HOSTILE
@given(json_texts([json.loads(SSLYZE_REPORT)]))
def test_sslyze_reports(text):
    typed(lambda: parse_sslyze(text, 4433), TlsScanError)


@HOSTILE
@given(mutated_text(["# the lab's list\nroot:root\n\ntech:tech\nguest:\n"]))
def test_credential_lists(text):
    typed(lambda: parse_credentials(text, "lab.txt"), CredentialListError)


@HOSTILE
@given(mutated_bytes([b"220 (vsFTPd 3.0.3)\r\n", b"\xff\xfd\x18\xff\xfd\x20login: ", b"+OK POP3 ready\r\n",
                      b"* OK IMAP4rev1 ready\r\n", b"SSH-2.0-dropbear\r\n"]))
def test_service_greetings(greeting):
    kind = cleartext_greeting(greeting)
    assert kind is None or isinstance(kind, str)


@HOSTILE
@given(st.one_of(mutated_text(["openssl 3.0.11\nbusybox-static 1:1.35.0\n\nzlib1g 1:1.2.13\n"]).map(str.splitlines)))
def test_component_lists(lines):
    assert all(isinstance(v, str) for v in parse_component_list(lines).values())


@HOSTILE
@given(st.one_of(mutated_json([SBOM]).map(lambda d: json.dumps(d).encode()),
                 mutated_bytes([json.dumps(SBOM).encode()])))
def test_sboms(raw):
    parsed = typed(lambda: parse_sbom(raw, "sbom.json"), SbomInvalid)
    if parsed is not None:
        typed(lambda: sbom_components(parsed[0]), SbomInvalid)


@HOSTILE
@given(json_texts([PAYLOAD]))
def test_payloads_and_the_personal_data_in_them(text):
    payload = payload_object(text)
    if payload is not None:
        assert all(isinstance(finding.kind, str) for finding in find_personal(payload))


@HOSTILE
@given(json_texts([json.loads(CATALOGUE.read_text(encoding="utf-8"))]))
def test_catalogues(text):
    typed(lambda: parse_catalogue(text), CatalogueInvalid)


@HOSTILE
@given(mutated_text(["meters/+/energy", "meters/#", "a/b/c"]), mutated_text(["meters/RD-0001/energy", "a/b"]))
def test_topic_filters(topic_filter, topic):
    assert topic_matches(topic_filter, topic) in (True, False)
