"""Product verdicts. A DUT that breaks a clause raises NonConformance, an
AssertionError, which allure reports as `failed`; everything in errors.py is
`broken`."""

from __future__ import annotations

from typing import NoReturn


class NonConformance(AssertionError):
    def __init__(self, clause: str, expected: str, observed: str):
        self.clause = clause
        self.expected = expected
        self.observed = observed
        super().__init__(f"{clause}: expected {expected}; observed {observed}")


def nonconformant(clause: str, expected: str, observed: str) -> NoReturn:
    raise NonConformance(clause, expected, observed)
