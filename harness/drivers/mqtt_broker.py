"""The lab's MQTT platform: Debian's mosquitto, run in the host stack's
namespaces so the DUT reaches it over its link, with one listener per
declared destination (endpoint address, port, TLS or not). Each listener
has a mount point naming it, so the recorder - mosquitto_sub on a loopback
listener, subscribed to everything - learns for every message where it
arrived and whether over TLS. The TLS listeners refuse anything below TLS
1.2 (mosquitto's tls_version is a minimum). The broker's own log
(connections, subscriptions, publishes; on stderr, which is not buffered) and the recorder's messages are
written through to the evidence as they come."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

from harness.drivers.hoststack import HostStack
from harness.drivers.lab_ca import LabTls
from harness.drivers.received import BoundedLog
from harness.errors import HarnessError
from harness.malformed import MalformedInput, json_object, json_value
from harness.process import die_with_parent

RECORDER_PORT = 18830  # the recorder's listener, on ::1 inside the stack
RECORDER_ID = "harness-recorder"
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
MINIMUM_TLS = "tlsv1.2"
# What the recorder keeps: a record (one message as mosquitto_sub's JSON
# line) past MAX_RECORD_BYTES keeps its topic and the payload's first bytes,
# marked cut; a window whose first messages were dropped is a lab error.
MAX_RECORD_BYTES = 64 * 1024
MESSAGES_KEPT = 8192
LOG_LINES_KEPT = 10000
CUT_MARK = " [cut: record over 64 KiB]"
_TOPIC_FIELD = re.compile(r'"topic":("(?:[^"\\]|\\.)*")')


class BrokerError(HarnessError):
    """The lab's broker or its recorder could not start, or died."""


@dataclass(frozen=True)
class BrokerListener:
    endpoint: str
    address: str
    port: int
    tls: bool

    @property
    def mount_point(self) -> str:
        return f"{self.endpoint}/{'tls' if self.tls else 'plain'}/{self.port}/"

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://[{self.address}]:{self.port} ({self.endpoint})"


@dataclass(frozen=True)
class ReceivedMessage:
    time: str
    listener: BrokerListener
    topic: str  # as the device published it (the mount point removed)
    payload: str


def _program(name: str) -> str:
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if found is None:
        raise BrokerError(f"{name} is not installed (Debian package {'mosquitto' if name == 'mosquitto' else 'mosquitto-clients'})")
    return found


def broker_config(listeners: list[BrokerListener], tls: LabTls) -> str:
    lines = ["# Written by the harness for one data window.", "user root",  # no privileges to drop in a user namespace
             "allow_anonymous true", "log_dest stderr", "log_type all", "connection_messages true",
             "log_timestamp_format %Y-%m-%dT%H:%M:%S", "persistence false", "",
             f"listener {RECORDER_PORT} ::1"]
    for listener in listeners:
        lines += ["", f"listener {listener.port} {listener.address}", f"mount_point {listener.mount_point}"]
        if listener.tls:
            lines += [f"cafile {tls.ca_certificate}", f"certfile {tls.server_certificate}",
                      f"keyfile {tls.server_key}", f"tls_version {MINIMUM_TLS}"]
    return "\n".join(lines) + "\n"


EXCERPT_CHARS = 200  # of device text quoted in a reason, escapes counted


def _excerpt(text: str) -> str:
    """The start of device text, quoted, at most EXCERPT_CHARS long: repr
    escapes can make a character six, so the cut comes after them."""
    return repr(text[:EXCERPT_CHARS])[:EXCERPT_CHARS]


def read_record(line: str, cut: bool, listeners: list[BrokerListener]) -> ReceivedMessage | str:
    """One line of mosquitto_sub -F %j as the message it records, or why it
    cannot be read. The topic and payload are the device's: any text."""
    try:
        record = json_object(line, "a recorder line") if not cut else _cut_record(line)
    except MalformedInput:
        record = {}
    if not isinstance(record.get("topic"), str):
        return f"recorder: unreadable line {_excerpt(line)}"
    topic, payload = record["topic"], record.get("payload", "")
    listener = next((lst for lst in listeners if topic.startswith(lst.mount_point)), None)
    if listener is None:  # the recorder's own listener has no mount point: nothing from the DUT comes there
        return f"recorder: message on {_excerpt(topic)} through no DUT-facing listener"
    stamp = record.get("tst")
    return ReceivedMessage(stamp if isinstance(stamp, str) else "", listener, topic[len(listener.mount_point):],
                           payload if isinstance(payload, str) else json.dumps(payload))


def _cut_record(line: str) -> dict[str, object]:
    """What a record cut at MAX_RECORD_BYTES still says: its topic (which
    mosquitto_sub writes before the payload) and the payload's start."""
    topic = _TOPIC_FIELD.search(line)
    _, _, payload = line.partition('"payload":')
    if topic is None:
        return {}
    return {"topic": json_value(topic.group(1), "a recorder line's topic"), "payload": payload + CUT_MARK}


class _Lines:
    """Reads a process's output line by line on a thread, handing each to
    `take` (with whether it was cut at MAX_RECORD_BYTES); its end - the
    process exited, or anything unexpected - is reported at once."""

    def __init__(self, name: str, stream: IO[bytes], take: Callable[[str, bool], None],
                 ended: Callable[[str, str], None]):
        self._thread = threading.Thread(target=self._run, args=(stream, take, ended, name), name=name, daemon=True)
        self._thread.start()

    @staticmethod
    def _run(stream: IO[bytes], take, ended, name: str) -> None:
        why = "exited"
        try:
            while raw := stream.readline(MAX_RECORD_BYTES):
                cut = not raw.endswith(b"\n") and len(raw) == MAX_RECORD_BYTES
                while cut and (rest := stream.readline(MAX_RECORD_BYTES)) and not rest.endswith(b"\n"):
                    pass  # the rest of an over-long line is dropped, however long
                take(raw.decode(errors="replace").rstrip("\n"), cut)
        except Exception as exc:  # a reader must never die silently: its end is the platform's failure
            why = f"stopped reading: {exc!r}"
        ended(name, why)

    def join(self) -> None:
        self._thread.join(STOP_TIMEOUT_S)


class MqttBroker:
    def __init__(self, stack: HostStack, listeners: list[BrokerListener], tls: LabTls, folder: Path):
        self.listeners = listeners
        self.log_path = folder / "broker.log"
        self.messages_path = folder / "messages.jsonl"
        self.failure: str | None = None
        self._closing = False
        self._changed = threading.Condition()
        self._log: BoundedLog[str] = BoundedLog(LOG_LINES_KEPT)
        self._messages: BoundedLog[ReceivedMessage] = BoundedLog(MESSAGES_KEPT)
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "mosquitto.conf"
        config.write_text(broker_config(listeners, tls))
        self._broker = self._start(stack, [_program("mosquitto"), "-c", str(config)], self._take_log, "mosquitto")
        try:
            self._wait(lambda: any(" running" in line for line in self._log), "the broker to listen")
            self._recorder = self._start(stack, [_program("mosquitto_sub"), "-h", "::1", "-p", str(RECORDER_PORT),
                                                 "-t", "#", "-F", "%j", "-i", RECORDER_ID], self._take_message,
                                         "mosquitto_sub")
            self._wait(lambda: any(f"Sending SUBACK to {RECORDER_ID}" in line for line in self._log),
                       "the recorder to subscribe")
        except BrokerError:
            self.close()
            raise

    def _start(self, stack: HostStack, argv: list[str], take: Callable[[str], None], name: str) -> subprocess.Popen:
        try:
            process = subprocess.Popen(stack.command(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        except OSError as exc:
            raise BrokerError(f"cannot start {name} in the host stack: {exc}") from exc
        _Lines(name, process.stdout, take, self._ended)
        return process

    def _ended(self, name: str, why: str) -> None:
        with self._changed:
            if not self._closing and self.failure is None:
                tail = "\n".join(self._log.last(10))
                self.failure = f"{name} of the lab's MQTT platform {why}:\n{tail}"
            self._changed.notify_all()

    def _take_log(self, line: str, cut: bool = False) -> None:
        with self._changed:
            self._log.append(line)
            self._write(self.log_path, line)
            self._changed.notify_all()

    def _take_message(self, line: str, cut: bool) -> None:
        message = read_record(line, cut, self.listeners)
        if isinstance(message, str):
            self._take_log(message)
            return
        listener = message.listener
        with self._changed:
            self._messages.append(message)
            self._write(self.messages_path, json.dumps({"time": message.time, "listener": str(listener),
                                                        "topic": message.topic, "payload": message.payload}))
            self._changed.notify_all()

    def _write(self, path: Path, line: str) -> None:
        """Through to the evidence; a record that cannot be kept is the lab's failure."""
        try:
            with path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            self.failure = self.failure or f"the lab's MQTT platform cannot write its evidence {path}: {exc}"

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with self._changed:
            while not done():
                if self.failure:
                    raise BrokerError(self.failure)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrokerError(f"timed out after {START_TIMEOUT_S} s waiting for {what}; log:\n"
                                      + "\n".join(self._log.last(10)))
                self._changed.wait(remaining)

    def mark(self) -> int:
        with self._changed:
            return self._messages.end

    def messages(self, since: int = 0) -> list[ReceivedMessage]:
        with self._changed:
            return self._kept_since(since)

    def _kept_since(self, since: int) -> list[ReceivedMessage]:
        if since < self._messages.first:
            raise BrokerError(f"the recorder kept only its last {MESSAGES_KEPT} messages: those from "
                              f"message {since} on cannot all be judged (see {self.messages_path})")
        return self._messages.since(since)

    def wait_until(self, done: Callable[[list[ReceivedMessage]], bool], timeout: float, since: int = 0,
                   abort_if: Callable[[], str | None] = lambda: None) -> bool:
        """Whether the messages since `since` satisfy `done` within `timeout`
        (checked on every message). A dead broker or recorder raises at once;
        so does `abort_if` (polled with each message and at least every second)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self._kept_since(since)):
                if self.failure:
                    raise BrokerError(self.failure)
                cause = abort_if()
                if cause:
                    raise HarnessError(cause)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 1.0))
            return True

    def close(self) -> None:
        with self._changed:
            self._closing = True
        for process in (getattr(self, "_recorder", None), self._broker):
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
