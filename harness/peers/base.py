"""What every peer shares: it answers frames while it is entered."""

from __future__ import annotations

from harness.values.frames import Frame
from harness.lab.tester import TesterNode


class Peer:
    def __init__(self, tester: TesterNode):
        self.tester = tester

    def __enter__(self):
        self.tester.subscribe(self._answer)
        return self

    def __exit__(self, *exc) -> None:
        self.tester.unsubscribe(self._answer)

    def _answer(self, frame: Frame) -> None:
        raise NotImplementedError
