"""What port readers keep: a bounded log whose marks survive its oldest
items going, and a text stream read and searched by absolute offset (the
console's), including across chunks and after its oldest text is dropped;
a hypothesis property checks its searches against Python's own search."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from harness.drivers.received import MAX_MATCH_CHARS, BoundedLog, TextStream
from tests.mutations import HOSTILE


def test_a_bounded_log_keeps_the_last_items_and_its_marks():
    log: BoundedLog[int] = BoundedLog(3)
    for value in range(5):
        log.append(value)
    assert log.end == 5 and list(log) == [2, 3, 4] and log.since(3) == [3, 4]
    assert log.since(0) == [2, 3, 4] and log.since(5) == [] and log.last(2) == [3, 4]


def test_a_stream_reads_and_searches_across_chunks():
    stream = TextStream(keep=1000)
    for chunk in ("boot", "ing...\nrefdut: re", "ady profile=conformant\n"):
        stream.append(chunk)
    found = stream.search(re.compile(r"ready profile=(\S+)"), 0, 0)
    assert found is not None and found.group(1) == "conformant"
    assert stream.read(found.start, found.end) == "ready profile=conformant"
    assert stream.read(4, 10) == "ing..." and stream.search(re.compile("^ing"), 4, 4) is None  # ^ is the start only


def test_a_stream_drops_its_oldest_text_and_keeps_offsets():
    stream = TextStream(keep=10)
    for index in range(100):
        stream.append(f"{index:04d}\n")
    assert stream.end == 500 and stream.start >= 490 - 5
    assert stream.read(0).endswith("0099\n") and stream.read(495) == "0099\n"
    found = stream.search(re.compile("0099"), 0, 0)
    assert found is not None and found.start == 495


@HOSTILE
@given(st.booleans(), st.lists(st.text(alphabet="ab\n", max_size=30), max_size=30),
       st.sampled_from(["ab", "a+b", "^b", "b$", "a\nb", "(?<=a)b"]))
def test_incremental_search_finds_what_one_search_of_the_whole_text_finds(long_before, chunks, pattern):
    """Searching after each chunk, resuming where the last search ended (after
    text longer than the overlap, or not), finds the first match a search of
    all the text received so far finds."""
    regex, stream = re.compile(pattern), TextStream(keep=1 << 20)
    stream.append("x" * (3 * MAX_MATCH_CHARS) if long_before else "")
    searched_to, found = stream.end, None
    for chunk in chunks:
        stream.append(chunk)
        found = stream.search(regex, 0, searched_to)
        searched_to = stream.end
        if found is not None:
            break
    expected = regex.search(stream.read(0))
    assert (found and (found.start, found.end)) == (expected and expected.span())
