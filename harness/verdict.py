"""Product verdicts. A DUT that breaks a clause raises NonConformance, an
AssertionError, which allure reports as `failed`; everything in errors.py is
`broken`. The clause is a catalogue id; the message shows its label, so it
reads "RFC 4862 5.4.2: expected ...; observed ..." while the record keeps
clause, expected and observed as fields."""

from __future__ import annotations

from typing import NoReturn

from harness.clauses import clause_label


class NonConformance(AssertionError):
    def __init__(self, clause: str, expected: str, observed: str):
        self.clause = clause
        self.expected = expected
        self.observed = observed
        super().__init__(f"{clause_label(clause)}: expected {expected}; observed {observed}")


def nonconformant(clause: str, expected: str, observed: str) -> NoReturn:
    raise NonConformance(clause, expected, observed)
