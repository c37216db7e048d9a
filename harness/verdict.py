"""Product verdicts. A DUT that breaks a clause raises NonConformance, an
AssertionError, which allure reports as `failed`; everything in errors.py is
`broken`. The clause is a catalogue id; the message shows its label, so it
reads "RFC 4862 5.4.2: expected ...; observed ..." while the record keeps
clause, expected and observed as fields - and, where one frame was judged,
which frame of the run's link capture it is."""

from __future__ import annotations

from typing import NoReturn

import allure

from harness.clauses import clause_label
from harness.observations import Measurement
from harness.values.frames import Frame


def capture_number(frame: Frame) -> int:
    """The frame's number in its run's link.pcap, as Wireshark counts (from 1)."""
    return frame.index + 1


class NonConformance(AssertionError):
    def __init__(self, clause: str, expected: str, observed: str, frame: int | None = None):
        self.clause = clause
        self.expected = expected
        self.observed = observed
        self.frame = frame  # capture_number of the frame judged, if one was
        where = f" (link.pcap frame {frame})" if frame is not None else ""
        super().__init__(f"{clause_label(clause)}: expected {expected}; observed {observed}{where}")


def nonconformant(clause: str, expected: str, observed: str, frame: Frame | None = None) -> NoReturn:
    raise NonConformance(clause, expected, observed, capture_number(frame) if frame is not None else None)


def expect_frame(frame: Frame | None, clause: str, expected: str, missing: str) -> Frame:
    """The frame a bounded wait returned; none is a failure of `clause`
    naming what was awaited. Recorded as a step of the test."""
    with allure.step(f"Observe {expected}"):
        if frame is None:
            nonconformant(clause, expected, missing)
        return frame


def expect_no_findings(findings: list[str], clause: str, expected: str, frame: Frame | None = None) -> None:
    """What a judge found wrong with an observation; anything is a failure
    of `clause`, pointing at the frame judged. Recorded as a step."""
    with allure.step(f"Judge against {clause_label(clause)}: {expected}"):
        if findings:
            nonconformant(clause, expected, "; ".join(findings), frame)


def expect_within(measurement: Measurement, clause: str, expected: str, frame: Frame | None = None) -> Measurement:
    """A recorded measurement judged against its own limits (OpenHTF's
    validators): outside them is a failure of `clause`. Recorded as a step."""
    with allure.step(f"Judge {measurement.name} against {clause_label(clause)}"):
        if not measurement.within_limits:
            nonconformant(clause, expected, f"{measurement.name} {measurement.describe()}", frame)
    return measurement
