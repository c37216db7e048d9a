"""What a test observes on its way to a verdict, besides the verdict itself:
measurements (name, value, unit, limits - recorded on passes too, like
OpenHTF's) and advisories (worth a reader's attention, not a failure).
Each test gets its own Observations through the `observations` fixture (held
in the test item's stash by the evidence collector, never in a global), which
writes them into the test's record and its allure result.

Not to be confused with the `list[str]` of findings a `judge_*` returns:
those are what is wrong with one frame or answer."""

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
class Observations:
    measurements: list[Measurement] = field(default_factory=list)
    advisories: list[Advisory] = field(default_factory=list)

    def measure(self, name: str, value: float, unit: str, low: float | None = None,
                high: float | None = None) -> Measurement:
        """Record a measurement and return it; to let its limits decide the
        verdict, pass it to verdict.expect_within."""
        measurement = Measurement(name, float(value), unit, low, high)
        self.measurements.append(measurement)
        allure.dynamic.parameter(name, measurement.describe(), excluded=True)
        return measurement

    def advise(self, clause: str, text: str) -> Advisory:
        """An advisory: reported on its own, never turning a pass into a failure."""
        advisory = Advisory(require_clause(clause), text)
        self.advisories.append(advisory)
        allure.attach(f"Advisory (not a failure), {advisory.clause}: {text}", name=f"advisory {advisory.clause}",
                      attachment_type=allure.attachment_type.TEXT)
        return advisory
