"""What a test finds on its way to a verdict, besides the verdict itself:
measurements (name, value, unit, limits - recorded on passes too, like
OpenHTF's) and advisories (worth a reader's attention, not a failure).
The evidence collector opens one Findings per test and writes it into the
test's record and its allure result."""

from __future__ import annotations

from dataclasses import dataclass, field

import allure

from harness.clauses import require_clause


@dataclass(frozen=True)
class Measurement:
    name: str
    value: float
    unit: str
    low: float | None = None  # inclusive limits; None: no limit on that side
    high: float | None = None

    @property
    def within_limits(self) -> bool:
        return (self.low is None or self.value >= self.low) and (self.high is None or self.value <= self.high)

    def describe(self) -> str:
        limits = f" (limits {_limit(self.low)} .. {_limit(self.high)})" if self.low is not None or self.high is not None else ""
        return f"{self.value:g} {self.unit}{limits}"


def _limit(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@dataclass(frozen=True)
class Advisory:
    clause: str  # catalogue id
    text: str


@dataclass
class Findings:
    measurements: list[Measurement] = field(default_factory=list)
    advisories: list[Advisory] = field(default_factory=list)


_current: Findings | None = None


def begin() -> Findings:
    global _current
    _current = Findings()
    return _current


def end() -> Findings:
    global _current
    findings, _current = _current or Findings(), None
    return findings


def measure(name: str, value: float, unit: str, low: float | None = None, high: float | None = None) -> Measurement:
    """Record a measurement of the running test and return it; whether it
    decides the verdict is the test's business."""
    measurement = Measurement(name, float(value), unit, low, high)
    if _current is not None:
        _current.measurements.append(measurement)
    allure.dynamic.parameter(name, measurement.describe(), excluded=True)
    return measurement


def advise(clause: str, text: str) -> Advisory:
    """An advisory: reported on its own, never turning a pass into a failure."""
    advisory = Advisory(require_clause(clause), text)
    if _current is not None:
        _current.advisories.append(advisory)
    allure.attach(f"Advisory (not a failure), {advisory.clause}: {text}", name=f"advisory {advisory.clause}",
                  attachment_type=allure.attachment_type.TEXT)
    return advisory
