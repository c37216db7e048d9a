"""What a port reader keeps of what it received, bounded: a log of items
addressed by absolute index (marks stay valid when the oldest go), and a
text stream addressed by absolute offset whose pattern searches cost time
linear in the text however it trickles in. The transcript files keep
everything; these keep what waits and evidence slices need."""

from __future__ import annotations

import bisect
import re
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Generic, Iterator, TypeVar

T = TypeVar("T")

# A match may start at most this far before the end of the text already
# searched: a pattern that matches more than this many characters across
# two reads can be missed (console patterns are a line or a marker).
MAX_MATCH_CHARS = 8192


class BoundedLog(Generic[T]):
    """The last `limit` items appended; index i is the i-th item ever appended."""

    def __init__(self, limit: int) -> None:
        self._items: deque[T] = deque(maxlen=limit)
        self._base = 0

    def append(self, item: T) -> None:
        if len(self._items) == self._items.maxlen:
            self._base += 1
        self._items.append(item)

    @property
    def first(self) -> int:
        """The index of the oldest item kept."""
        return self._base

    @property
    def end(self) -> int:
        """The index the next item will have (a mark)."""
        return self._base + len(self._items)

    def since(self, index: int) -> list[T]:
        """The items kept at or after absolute `index`."""
        return list(islice(self._items, max(index - self._base, 0), None))

    def last(self, count: int) -> list[T]:
        return list(self._items)[-count:] if count > 0 else []

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items))


@dataclass(frozen=True)
class Found:
    """A match in a TextStream, at absolute offsets."""

    start: int
    end: int
    groups: tuple[str | None, ...]
    text: str

    def group(self, index: int = 0) -> str | None:
        return self.text if index == 0 else self.groups[index - 1]


class TextStream:
    """Text appended in chunks and read by absolute offset [start, end);
    the oldest beyond `keep` characters is dropped (reads start at what is
    kept)."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._chunks: list[str] = []
        self._starts: list[int] = []
        self._first = 0  # index of the oldest chunk kept
        self.end = 0

    def append(self, text: str) -> None:
        if not text:
            return
        self._chunks.append(text)
        self._starts.append(self.end)
        self.end += len(text)
        while self._first < len(self._chunks) - 1 and self.end - self._starts[self._first + 1] >= self._keep:
            self._first += 1
        if self._first > 1024 and self._first * 2 > len(self._chunks):  # forget dropped chunks, amortised
            del self._chunks[:self._first], self._starts[:self._first]
            self._first = 0

    @property
    def start(self) -> int:
        """The offset of the oldest character kept."""
        return self._starts[self._first] if self._chunks else 0

    def read(self, start: int, end: int | None = None) -> str:
        end = self.end if end is None else min(end, self.end)
        start = max(start, self.start)
        if start >= end:
            return ""
        first = max(bisect.bisect_right(self._starts, start, self._first) - 1, self._first)
        last = bisect.bisect_left(self._starts, end, first)
        joined = "".join(self._chunks[first:last])
        offset = self._starts[first]
        return joined[start - offset:end - offset]

    def search(self, regex: re.Pattern[str], start: int, searched_to: int) -> Found | None:
        """The first match at or after `start`, given that text before
        `searched_to` was searched already (less MAX_MATCH_CHARS of overlap).
        One character before the window is kept so that `^` and lookbehinds
        see what precedes it, as a search from a position does."""
        since = max(start, searched_to - MAX_MATCH_CHARS, self.start)
        begin = max(since - 1, self.start)
        found = regex.search(self.read(begin), since - begin)
        if found is None:
            return None
        return Found(begin + found.start(), begin + found.end(), found.groups(), found.group(0))
