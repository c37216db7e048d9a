"""The NAS decoder on real messages (tests/unit/nas_corpus.yaml: public
captures and public test vectors, each with its source): every one gives a
record - EPS messages named, each identity in its parts, other protocols
records of their own - and Wireshark's dissector reads the same fields."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.cellular import gsmtap
from harness.cellular.nas import EMM_NAMES, ESM_NAMES, SERVICE_REQUEST_NAME, NasMessage, TraceDecoder
from harness.cellular.nas_security import PLAIN, security_header_type
from harness.cellular.trace import read_nas_trace, write_trace
from harness.drivers.tshark import disagreements, tshark_rows

CORPUS = Path(__file__).with_name("nas_corpus.yaml")


def corpus() -> list[dict]:
    return yaml.safe_load(CORPUS.read_text())["messages"]


def decoded() -> list[tuple[dict, NasMessage]]:
    """Each source's messages in order, as one trace of its own."""
    decoders: dict[str, TraceDecoder] = {}
    return [(entry, decoders.setdefault(entry["source"], TraceDecoder()).decode(bytes.fromhex(entry["hex"]),
                                                                                 entry["uplink"]))
            for entry in corpus()]


def test_every_message_of_the_corpus_cites_a_known_source():
    document = yaml.safe_load(CORPUS.read_text())
    assert {entry["source"] for entry in document["messages"]} == set(document["sources"])
    assert len(document["messages"]) >= 90


def test_every_real_message_decodes_to_a_record():
    results = decoded()
    eps = [message for _, message in results if message.is_eps]
    names = {message.name for message in eps} | {message.esm.name for message in eps if message.esm}
    known = set(EMM_NAMES.values()) | set(ESM_NAMES.values()) | {SERVICE_REQUEST_NAME, "ciphered NAS message"}
    assert names <= known
    assert len(names) >= 30, sorted(names)
    others = [message for _, message in results if not message.is_eps]
    assert len(others) >= 40 and all(message.name.startswith("not EPS NAS (") for message in others)
    kinds = {message.mobile_identity.kind for message in eps if message.mobile_identity}
    kinds |= {m.guti.kind for m in eps if m.guti} | {m.ms_identity.kind for m in eps if m.ms_identity}
    assert {"IMSI", "IMEISV", "GUTI", "TMSI"} <= kinds
    readable = [message for message in eps if not message.unreadable]
    assert len(readable) >= len(eps) - 1  # one of pycrate's vectors is ciphered with EEA2, keys unknown


def test_a_guti_attach_names_the_guti_in_its_parts():
    attach = next(message for entry, message in decoded()
                  if entry["source"] == "pcapr-iphone6-volte" and message.name == "Attach Request")
    guti = attach.mobile_identity
    assert (guti.kind, guti.plmn.mcc, guti.plmn.mnc, guti.mme_group_id, guti.mme_code, guti.m_tmsi) == \
        ("GUTI", "310", "410", 32769, 1, 1)
    assert attach.identity == "310-410-32769-1-0x00000001"


def test_after_a_security_mode_command_with_eea0_ciphered_messages_are_read():
    capture = [message for entry, message in decoded() if entry["source"] == "pcapr-iphone6-volte"]
    assert [m.name for m in capture].count("Service Request") == 4
    complete = next(m for m in capture if m.name == "Security Mode Complete")
    assert complete.security_header == 4 and complete.identity == "3544270632334702"


@pytest.mark.parametrize("source", sorted(yaml.safe_load(CORPUS.read_text())["sources"]))
def test_what_tshark_reads_we_read(tmp_path, source):
    """Field by field against Wireshark's NAS-EPS dissector: message types,
    security header, identities (IMSI, IMEI, IMEISV, GUTI parts, TMSI),
    bearer identity and PTI, APN, PDN type and address, causes, timers.
    Protected PDUs go as GSMTAP's "with security header" sub-type, as a
    callbox logs them, so that Wireshark unwraps them too. One trace per
    source, in its order: a Security Mode Command governs what follows."""
    entries = [entry for entry, message in decoded() if message.is_eps and entry["source"] == source]
    datagrams = []
    for index, entry in enumerate(entries):
        pdu = bytes.fromhex(entry["hex"])
        protected = security_header_type(pdu) != PLAIN
        datagrams.append((1000.0 + index, gsmtap.encode_lte_nas(pdu, entry["uplink"], protected=protected)))
    trace = write_trace(tmp_path / "corpus.pcap", datagrams)
    ours = [traced.message for traced in read_nas_trace(trace)]
    assert len(ours) == len(entries) >= 8
    assert disagreements(ours, tshark_rows(trace)) == []
