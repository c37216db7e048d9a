"""The MQTT platform's recorder on hostile input: whatever a device
publishes (mosquitto_sub writes it as one JSON line), a record is read as
the message it records or as an unreadable line for the log; a line of
megabytes is kept cut with its topic; a reader that meets anything
unexpected reports its end at once."""

from __future__ import annotations

import io
import threading

from hypothesis import example, given
from hypothesis import strategies as st

from harness.drivers.mqtt_broker import (CUT_MARK, MAX_RECORD_BYTES, BrokerListener, ReceivedMessage, _Lines,
                                         read_record)
from tests.mutations import HOSTILE, mutated_text

# Two lines of mosquitto_sub 2.0.11 -F %j, from a broker on loopback (the topics carry listener mount points).
RECORDS = ['{"tst":"2026-12-07T08:26:25.217917Z+0000","topic":"platform/plain/1883/meters/RD-0001/energy","qos":0,'
           '"retain":0,"payloadlen":40,"payload":"{\\"meter_id\\":\\"RD-0001\\",\\"energy_kwh\\":12.5}"}',
           '{"tst":"2026-12-07T08:26:25.219692Z+0000","topic":"platform/tls/8883/x","qos":0,"retain":0,'
           '"payloadlen":10,"payload":"plain text"}']
LISTENERS = [BrokerListener("platform", "2001:db8:1::1", 1883, False),
             BrokerListener("platform", "2001:db8:1::1", 8883, True)]


def test_the_seeds_are_messages_through_their_listeners():
    first, second = (read_record(line, False, LISTENERS) for line in RECORDS)
    assert first == ReceivedMessage("2026-12-07T08:26:25.217917Z+0000", LISTENERS[0], "meters/RD-0001/energy",
                                    '{"meter_id":"RD-0001","energy_kwh":12.5}')
    assert (second.listener.tls, second.topic, second.payload) == (True, "x", "plain text")


@HOSTILE
@given(mutated_text(RECORDS), st.booleans())
@example("\ud7fc\U00018d09\U0001b2fc" * 60 + RECORDS[0], False)  # found: escapes made the reason 1 KiB
def test_any_line_is_a_message_or_a_reason(line, cut):
    read = read_record(line, cut, LISTENERS)
    assert isinstance(read, (ReceivedMessage, str))
    if isinstance(read, str):
        assert read.startswith("recorder: ") and len(read) < 300


def _read(stream, take):
    ended = []
    done = threading.Event()
    _Lines("probe", stream, take, lambda name, why: (ended.append(why), done.set()))
    assert done.wait(10)
    return ended


def test_a_line_of_megabytes_is_kept_cut_with_its_topic_and_the_next_line_follows():
    huge = '{"tst":"t","topic":"platform/plain/1883/big","payload":"' + "x" * (3 << 20) + '"}\n'
    taken = []
    ended = _read(io.BytesIO((huge + RECORDS[1] + "\n").encode()), lambda line, cut: taken.append((line, cut)))
    assert ended == ["exited"]
    assert [cut for _, cut in taken] == [True, False]
    assert len(taken[0][0]) == MAX_RECORD_BYTES
    message = read_record(*taken[0], LISTENERS)
    assert message.topic == "big" and message.payload.endswith(CUT_MARK) and len(message.payload) < MAX_RECORD_BYTES
    assert read_record(*taken[1], LISTENERS).topic == "x"


def test_a_reader_that_meets_the_unexpected_reports_it_at_once():
    def take(line, cut):
        raise RuntimeError("unexpected")

    ended = _read(io.BytesIO(b"one\ntwo\n"), take)
    assert ended == ["stopped reading: RuntimeError('unexpected')"]
