"""Cellular parsers on hostile input (hypothesis, seeded with the builders'
messages, the real NAS corpus, traces as the harness and Wireshark write
them, and the module's AT answers, mutated): NAS PDUs, GSMTAP headers,
pcap and pcapng files, AT information lines - typed results or typed
errors, nothing else, and no more memory than a record's bound."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from harness.captures import MAX_RECORD_OCTETS, CaptureError, read_capture
from harness.cellular import at_responses as at
from harness.cellular import gsmtap
from harness.cellular.errors import CellularParseError, NASDecodeError, TraceError
from harness.cellular.nas import NasMessage, TraceDecoder, decode
from harness.cellular.trace import read_nas_trace, write_trace
from tests.mutations import HOSTILE, mutated_bytes, mutated_text, typed

from .test_cellular_knowledge import every_message

CORPUS = [bytes.fromhex(entry["hex"]) for entry in
          yaml.safe_load((Path(__file__).with_name("nas_corpus.yaml")).read_text())["messages"]]
BUILT = [pdu for _, pdu, _ in every_message()]


@HOSTILE
@given(mutated_bytes(BUILT + CORPUS), st.booleans())
def test_nas_pdus(pdu, uplink):
    message = typed(lambda: decode(pdu, uplink), NASDecodeError)
    assert message is None or isinstance(message, NasMessage)
    decoder = TraceDecoder()
    typed(lambda: decoder.decode(pdu, uplink), NASDecodeError)


@HOSTILE
@given(mutated_bytes([gsmtap.encode_lte_nas(pdu, True) for pdu in BUILT[:4]]))
def test_gsmtap_headers(datagram):
    typed(lambda: gsmtap.decode(datagram), CellularParseError)


def _seed_files() -> list[bytes]:
    """A trace as the harness writes it, and the same saved by Wireshark's
    editcap as pcapng and as nanosecond pcap."""
    work = Path(tempfile.mkdtemp(prefix="trace-seeds-"))
    datagrams = [(1000.0 + i, gsmtap.encode_lte_nas(pdu, up)) for i, (up, pdu, _) in enumerate(every_message()[:6])]
    pcap = write_trace(work / "trace.pcap", datagrams)
    seeds = [pcap.read_bytes()]
    for kind in ("pcapng", "nsecpcap"):
        converted = work / f"trace.{kind}"
        subprocess.run(["editcap", "-F", kind, str(pcap), str(converted)], check=True, capture_output=True)
        seeds.append(converted.read_bytes())
    return seeds


SEED_FILES = _seed_files()


@pytest.mark.parametrize("index", range(len(SEED_FILES)), ids=["pcap", "pcapng", "nsecpcap"])
def test_a_trace_saved_by_wireshark_reads_as_the_one_we_wrote(tmp_path, index):
    path = tmp_path / "trace"
    path.write_bytes(SEED_FILES[index])
    messages = read_nas_trace(path)
    assert [m.message.name for m in messages] == [name for _, _, name in every_message()[:6]]
    assert [m.time for m in messages] == pytest.approx([1000.0 + i for i in range(6)])


@HOSTILE
@given(mutated_bytes(SEED_FILES))
def test_capture_files(data):
    with tempfile.NamedTemporaryFile(suffix=".pcap") as handle:
        handle.write(data)
        handle.flush()
        records = typed(lambda: read_capture(Path(handle.name)), CaptureError)
        assert records is None or all(len(r.data) <= MAX_RECORD_OCTETS for r in records)
        typed(lambda: read_nas_trace(Path(handle.name)), TraceError)


def test_a_huge_block_length_is_refused_before_it_is_read(tmp_path):
    """A pcapng block that claims 2 GB, and a pcap record that claims 4 GB:
    refused from the length field, with the records before them kept."""
    pcapng = bytearray(SEED_FILES[1])
    pcapng += struct.pack("<II", 6, 0x7FFFFFFC) + bytes(32)
    (tmp_path / "big.pcapng").write_bytes(pcapng)
    with pytest.raises(CaptureError, match="block length") as raised:
        read_capture(tmp_path / "big.pcapng")
    assert len(raised.value.records) == 6
    pcap = bytearray(SEED_FILES[0]) + struct.pack("<IIII", 0, 0, 0xFFFFFFF0, 0xFFFFFFF0)
    (tmp_path / "big.pcap").write_bytes(pcap)
    with pytest.raises(TraceError) as trace_error:
        read_nas_trace(tmp_path / "big.pcap")
    assert "more than" in str(trace_error.value) and len(trace_error.value.messages_so_far) == 6
    with pytest.raises(CaptureError) as raised:
        read_capture(tmp_path / "big.pcap")
    assert len(raised.value.records) == 6


AT_LINES = {
    at.parse_cereg: ["+CEREG: 2,1,\"1A2B\",\"01A2D101\",7", "+CEREG: 5,\"1A2B\",\"01A2D101\",9,,,\"00100001\",\"00100110\"",
                     "+CEREG: 0,3,,,7,0,11"],
    at.parse_cgpaddr: ["+CGPADDR: 1,\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1\"", "+CGPADDR: 1,\"10.0.0.2\",\"2001:db8::1\""],
    at.parse_cgcontrdp: ["+CGCONTRDP: 1,5,\"internet\",\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1.255.255.255.255.255.255."
                         "255.255.0.0.0.0.0.0.0.0\",\"\",\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.53\""],
    at.parse_cgdcont: ["+CGDCONT: 1,\"IPV4V6\",\"internet\",\"0.0.0.0\",0,0"],
    at.parse_cpsms: ["+CPSMS: 1,,,\"00100110\",\"00100001\""],
    at.parse_cedrxs: ["+CEDRXS: 4,\"0101\""],
    at.parse_cops: ["+COPS: 0,2,\"00101\",7"],
}


@HOSTILE
@given(st.sampled_from(sorted(AT_LINES, key=lambda f: f.__name__)), st.data())
def test_at_information_lines(parser, data):
    line = data.draw(mutated_text(AT_LINES[parser]))
    result = typed(lambda: parser(line), CellularParseError)
    if isinstance(result, at.CeregReport):
        typed(lambda: (result.active_time_s, result.periodic_tau_s), CellularParseError)


@HOSTILE
@given(mutated_text(["490154203237518", "+CGSN: \"490154203237518\"", "Quectel", "+CGMR: \"BG95M3LAR02A03\""]))
def test_at_identification_answers(text):
    typed(lambda: at.parse_cgsn([text]), CellularParseError)
    typed(lambda: at.parse_identification("+CGMR", text.split("\n")), CellularParseError)


def test_an_integer_of_thousands_of_digits_is_a_typed_error():
    with pytest.raises(CellularParseError, match="digits"):
        at.parse_cereg("+CEREG: 2," + "1" * 5000)
    with pytest.raises(CellularParseError):
        at.parse_cereg("+CEREG: \u0663")  # an Arabic-Indic three is not a TS 27.007 <stat>
