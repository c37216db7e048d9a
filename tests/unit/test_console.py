"""Console driver: bounded expect, garbage tolerance, dead sockets, commands."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from harness.drivers.console import Completion, SerialConsole, run_command
from harness.errors import CommandFailed, ConsoleError, ConsoleTimeout, HarnessError


@pytest.fixture
def loop_console(tmp_path):
    console = SerialConsole("loop://", tmp_path / "console.log")
    yield console
    console.close()


class FakeDevice:
    """A TCP peer standing in for a serial device (QEMU's console chardev is
    exactly this): it plays a script in answer to each line it receives."""

    def __init__(self, respond):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(5)
        self.port = self.server.getsockname()[1]
        self.respond = respond
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.server.accept()
        conn.settimeout(5)
        with conn:
            self.respond(conn)

    def close(self):
        self.server.close()
        self.thread.join(5)


def test_expect_finds_a_pattern_and_consumes_it(loop_console):
    loop_console.send_line("hello ready world")
    match = loop_console.expect(r"ready (\w+)", timeout=5)
    assert match.group(1) == "world"
    with pytest.raises(ConsoleTimeout):
        loop_console.expect(r"ready", timeout=0.3)  # already consumed


def test_expect_timeout_is_a_typed_error_with_the_tail(loop_console):
    loop_console.send_line("booting...")
    with pytest.raises(ConsoleTimeout) as caught:
        loop_console.expect("login:", timeout=0.3)
    assert "booting..." in caught.value.tail
    assert caught.value.pattern == "login:"


def test_garbage_bytes_are_kept_escaped_and_do_not_break_expect(tmp_path, loop_console):
    loop_console.write(b"\xff\xfe\x00\x1b[6n junk\r\nREADY\r\n")
    loop_console.expect("READY", timeout=5)
    loop_console.close()
    transcript = (tmp_path / "console.log").read_text()
    assert "\\x00" in transcript and "\\x1b[6n junk" in transcript
    assert transcript.splitlines()[-1].endswith(" READY")


def test_transcript_lines_carry_timestamps_and_slice_by_time(loop_console):
    import time

    before = time.time()
    loop_console.send_line("first")
    loop_console.expect("first", 5)
    between = time.time()
    loop_console.send_line("second")
    loop_console.expect("second", 5)
    assert "first" in loop_console.transcript_between(before, between)
    assert "second" not in loop_console.transcript_between(before, between)
    assert "second" in loop_console.transcript_between(between, time.time())


def test_a_peer_that_hangs_up_is_a_console_error_not_a_hang(tmp_path):
    def say_and_leave(conn):
        conn.recv(1)  # pyserial discards what arrives before open() returns
        conn.sendall(b"partial boot log\r\n")

    device = FakeDevice(say_and_leave)
    console = SerialConsole(f"socket://127.0.0.1:{device.port}", tmp_path / "c.log")
    try:
        console.send_line("")
        with pytest.raises(ConsoleError) as caught:
            console.expect("never", timeout=10)
        assert not isinstance(caught.value, ConsoleTimeout)
        assert "partial boot log" in str(caught.value)
    finally:
        console.close()
        device.close()


def test_unreachable_console_url_is_a_console_error(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConsoleError, match="cannot open"):
        SerialConsole(f"socket://127.0.0.1:{port}", tmp_path / "c.log")


def _terminal(conn, answer):
    """Echo each typed line like a terminal, then send answer(line)."""
    buffer = b""
    while True:
        chunk = conn.recv(1024)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            conn.sendall(line + b"\r\n")
            conn.sendall(answer(line))


def _posix_answer(line: bytes) -> bytes:
    """A POSIX shell that knows `devinfo`."""
    command, _, marker = line.decode().partition("; echo ")
    marker = marker.split()[0]
    if command == "devinfo":
        return b"model=REFDUT-1\r\nprofile=conformant\r\n" + marker.encode() + b" 0\r\n# "
    return b"sh: not found\r\n" + marker.encode() + b" 127\r\n# "


def _fake_shell(conn):
    _terminal(conn, _posix_answer)


def test_run_command_returns_output_and_exit_status(tmp_path):
    device = FakeDevice(_fake_shell)
    console = SerialConsole(f"socket://127.0.0.1:{device.port}", tmp_path / "c.log")
    try:
        result = run_command(console, "devinfo", timeout=5)
        assert result.exit_status == 0
        assert result.output.splitlines() == ["model=REFDUT-1", "profile=conformant"]
        with pytest.raises(CommandFailed) as failed:
            run_command(console, "nosuchcommand", timeout=5)
        assert failed.value.status == 127 and "not found" in failed.value.output
        assert isinstance(failed.value, HarnessError)  # broken, never a product failure
        missing = run_command(console, "nosuchcommand", timeout=5, accept=(0, 127))
        assert missing.exit_status == 127
    finally:
        console.close()
        device.close()


def test_a_transcript_that_cannot_be_written_fails_the_console_at_once(loop_console):
    """The evidence disk gone (here: the transcript closed under the reader)
    is the console's failure: an expect raises ConsoleError now, not a timeout."""
    loop_console._transcript.close()
    started = time.monotonic()
    loop_console.send_line("more output")
    with pytest.raises(ConsoleError, match="died") as caught:
        loop_console.expect("never", timeout=30)
    assert not isinstance(caught.value, ConsoleTimeout)
    assert time.monotonic() - started < 1.0
    assert loop_console.failure is not None


def _rtos_answer(line: bytes) -> bytes:
    """A console that is no POSIX shell: `;` is no separator and there is no
    $?; each command prints OK or ERROR, then the prompt."""
    if line == b"ifconfig en0 restart":
        return b"en0: down\r\nen0: up\r\nOK\r\nuart:~$ "
    return b"ERROR: unknown command\r\nuart:~$ "


def _rtos_shell(conn):
    _terminal(conn, _rtos_answer)


def test_a_command_ends_at_the_declared_prompt_and_succeeds_by_the_declared_pattern(tmp_path):
    """Completion by prompt: no marker is appended (that shell would take it
    for an argument), the output is what came before the prompt, and the
    success pattern gives the status."""
    device = FakeDevice(_rtos_shell)
    console = SerialConsole(f"socket://127.0.0.1:{device.port}", tmp_path / "c.log")
    console.completion = Completion(prompt=r"uart:~\$ ", success=r"(?m)^OK$")
    try:
        result = run_command(console, "ifconfig en0 restart", timeout=5)
        assert result.exit_status == 0
        assert result.output.splitlines() == ["en0: down", "en0: up", "OK"]
        with pytest.raises(CommandFailed) as failed:
            run_command(console, "ifconfig en0 bounce", timeout=5)
        assert failed.value.status == 1 and "unknown command" in failed.value.output
    finally:
        console.close()
        device.close()


def test_prompt_completion_needs_a_prompt():
    from pydantic import ValidationError

    from harness.config.models import ConsoleCommands

    with pytest.raises(ValidationError, match="needs the prompt"):
        ConsoleCommands(completion="prompt")
    assert Completion.declared(ConsoleCommands(prompt="# ", completion="prompt", success="OK")) == Completion("# ", "OK")
    assert Completion.declared(ConsoleCommands(prompt="# ")) == Completion()
