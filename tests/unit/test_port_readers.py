"""Poison on the console and the AT port: a megabyte without a line end,
an exit status of thousands of digits, an endless AT line, garbage bytes.
Each gives its typed error (the lab's side: broken) or is recorded and
passed over, and the reader goes on reading what follows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.drivers.console import MAX_LINE_CHARS, SerialConsole, run_command
from harness.drivers.modem import MAX_LINE_BYTES, ATChannel
from harness.cellular.errors import ATParseError
from harness.errors import ConsoleError, ModemError
from harness.policy import as_nonconformance
from tests.unit.test_console import FakeDevice

MEGABYTE = 1 << 20


def _trickle(conn, data: bytes, size: int = 64) -> None:
    for at in range(0, len(data), size):
        conn.sendall(data[at:at + size])


def test_a_megabyte_without_a_line_end_is_kept_in_pieces_and_the_console_goes_on(tmp_path):
    def flood(conn):
        conn.recv(1)
        _trickle(conn, b"x" * MEGABYTE + b"\r\nrefdut: ready\r\n")

    device = FakeDevice(flood)
    console = SerialConsole(f"socket://127.0.0.1:{device.port}", tmp_path / "c.log")
    try:
        console.send_line("")
        console.expect("refdut: ready", timeout=60)
    finally:
        console.close()
        device.close()
    lines = (tmp_path / "c.log").read_text().splitlines()
    assert lines[-1].endswith(" refdut: ready")
    # every piece of the flood kept, none over the cap
    assert max(line.count("x") for line in lines) == MAX_LINE_CHARS
    assert sum(line.count("x") for line in lines) == MEGABYTE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.integers(0, 3 * MAX_LINE_CHARS), min_size=1, max_size=4),
       cuts=st.lists(st.integers(1, 4 * MAX_LINE_CHARS), max_size=12))
def test_however_long_lines_arrive_in_chunks_no_recorded_line_passes_the_cap(tmp_path, lines, cuts):
    text = "".join("x" * length + "\n" for length in lines).encode()
    transcript = tmp_path / "cut.log"
    transcript.unlink(missing_ok=True)  # one file for all examples: the transcript appends
    console = SerialConsole("loop://", transcript)  # nothing arrives on its own: chunks fed below
    try:
        at = 0
        for cut in cuts + [len(text)]:
            console._absorb(text[at:at + cut], 0.0)
            at += cut
    finally:
        console.close()
    recorded = [line.count("x") for line in transcript.read_text().splitlines()]
    assert max(recorded) <= MAX_LINE_CHARS
    assert sum(recorded) == sum(lines)
    assert len(recorded) == sum(max(1, -(-length // MAX_LINE_CHARS)) for length in lines)


def test_an_exit_status_of_thousands_of_digits_is_a_console_error(tmp_path):
    def shell(conn):
        typed = conn.recv(4096).decode()
        marker = typed.partition("; echo ")[2].split()[0]
        conn.sendall(f"{marker} {'9' * 5000}\r\n".encode())

    device = FakeDevice(shell)
    console = SerialConsole(f"socket://127.0.0.1:{device.port}", tmp_path / "c.log")
    try:
        with pytest.raises(ConsoleError, match="5000 digits"):
            run_command(console, "devinfo", timeout=10)
    finally:
        console.close()
        device.close()


def _module(answers):
    """A module that answers each command in `answers` (in order) with its bytes."""
    def serve(conn):
        for answer in answers:
            buffer = b""
            while not buffer.endswith(b"\r"):
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            _trickle(conn, answer)
        conn.recv(1)
    return serve


@pytest.mark.parametrize("poison, error", [
    (b"+CGSN: " + b"4" * MEGABYTE + b"\r\nOK\r\n", f"a line longer than {MAX_LINE_BYTES} bytes"),
    (b"\x00\xff\x1b[2J\r\nOK\r\n", "garbage on the line"),
], ids=["endless line", "garbage"])
def test_poison_on_the_at_port_fails_its_command_and_the_next_one_works(tmp_path, poison, error):
    device = FakeDevice(_module([poison, b"\r\n490154203237518\r\n\r\nOK\r\n"]))
    channel = ATChannel(f"socket://127.0.0.1:{device.port}", tmp_path / "at.log")
    try:
        with pytest.raises(ATParseError, match=error) as raised:
            channel.command("AT+CGSN", timeout=30)
        # the module's malformed answer: a product failure of the command's clause
        assert as_nonconformance(raised.value).clause == "TS23.003-6.2"
        assert channel.command("AT+CGSN", timeout=30).lines == ["490154203237518"]
    finally:
        channel.close()
        device.close()
    transcript = (tmp_path / "at.log").read_text()
    assert max(len(line) for line in transcript.splitlines()) < 4 * MAX_LINE_BYTES + 100


def test_garbage_in_answer_to_the_lab_setup_is_a_lab_error(tmp_path):
    """A wrong baud rate garbles every answer, starting with the lab's own ATE0."""
    device = FakeDevice(_module([b"\x00\xfe\x80\x99\r\nOK\r\n"] * 4))
    channel = ATChannel(f"socket://127.0.0.1:{device.port}", tmp_path / "at.log")
    try:
        with pytest.raises(ModemError, match="baud rate"):
            channel.setup()
    finally:
        channel.close()
        device.close()
