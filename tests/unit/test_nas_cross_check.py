"""Our NAS decoder against Wireshark's (tshark) on a generated trace of every
message type the emulators send: message types, PDN types and addresses,
EMM/ESM causes and timer values must agree on every message."""

from __future__ import annotations

from fixtures.cellular.trace_generator import generate
from harness.cellular.trace import read_nas_trace
from harness.drivers.tshark import disagreements, tshark_rows

GENERATED_MESSAGES = 1200


def test_ours_and_tshark_agree_on_a_generated_trace(tmp_path):
    trace = generate(tmp_path / "generated.pcap", GENERATED_MESSAGES)
    ours = [traced.message for traced in read_nas_trace(trace)]
    assert len(ours) == GENERATED_MESSAGES
    names = {message.name for message in ours} | {message.esm.name for message in ours if message.esm}
    assert len(names) >= 20, names  # every type the emulators send
    assert disagreements(ours, tshark_rows(trace)) == []
