"""Which cases to run under which fault profile, so that the fault-detection
claim is proven for every case without running the full cross-product.

The claim: every case passes on the conformant DUT and fails under a profile
that breaks what it checks. The CI plan proves exactly that:

- the conformant profile runs every case (each must pass), in parts of
  whole test modules, so that no one campaign bounds the plan's wall time;
- each case is assigned its narrowest profile (the one with the fewest
  targets that names it; all of them on a tie), and that profile runs the cases assigned to it
  (each must fail) plus, as controls, the untargeted cases of the same test
  modules (each must pass: the fault breaks what it is about, not its
  neighbours).

Broad profiles (`all`, or dozens of targets) only run when a case has no
narrower one. The cost grows with cases x (1 + module size), not with
profiles x cases, and every campaign of the plan is at most a few modules
long. The full cross-product stays available (plan "full"), and so does
every case alone on the conformant DUT (plan "isolated")."""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path

CONFORMANT = "conformant"
# Cases marked slow (they wait out protocol timers: reassembly's 60 s, five
# T3410 + T3411 attach attempts): run where they prove something, not as controls.
SLOW_TESTS = frozenset({"test_incomplete_reassembly_times_out_with_time_exceeded",
                        "test_attach_is_retried_after_t3410_up_to_the_attempt_limit"})

# Cases per conformant part (whole modules; a larger module is a part of its own).
CONFORMANT_PART_CASES = 30

Expectations = dict[str, "list[str] | str"]  # profile -> targeted cases (or suites, "ipv6/*"), or "all"


@dataclass(frozen=True)
class ProfilePlan:
    profile: str
    cases: frozenset[str] | None  # None: every case the suites hold
    must_fail: frozenset[str]  # of the cases run; every other case run must pass
    part: str = ""  # which part of the profile's cases, when they are split over campaigns


def suite_cases(suites: Path) -> dict[str, str]:
    """case name -> the test module that holds it (module-level test functions)."""
    cases: dict[str, str] = {}
    for path in sorted(suites.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                cases[node.name] = path.relative_to(suites).as_posix()
    return cases


def _targets(expectations: Expectations, profile: str, cases: dict[str, str]) -> frozenset[str]:
    """The cases a profile must fail: "all", or names and whole suites ("ipv6/*")."""
    targets = expectations[profile]
    if targets == "all":
        return frozenset(cases)
    chosen = set()
    for entry in targets:
        if entry.endswith("/*"):
            chosen |= {case for case, module in cases.items() if module.startswith(entry[:-1])}
        else:
            chosen.add(entry)
    return frozenset(chosen)


def narrowest_profiles(expectations: Expectations, cases: dict[str, str]) -> dict[str, list[str]]:
    """case -> the profiles with the fewest targets that name it, by name: a
    tie is two faults as narrow as each other (two ways a stack breaks the
    same check), and each is proven."""
    sizes = {p: len(_targets(expectations, p, cases)) for p in expectations if p != CONFORMANT}
    chosen: dict[str, list[str]] = {}
    for profile in sorted(sizes, key=lambda p: (sizes[p], p)):
        for case in sorted(_targets(expectations, profile, cases)):
            narrowest = chosen.setdefault(case, [profile])
            if profile not in narrowest and sizes[narrowest[0]] == sizes[profile]:
                narrowest.append(profile)
    return chosen


def conformant_parts(cases: dict[str, str], size: int = CONFORMANT_PART_CASES) -> list[ProfilePlan]:
    """Every case on the conformant DUT, consecutive modules packed into
    parts of at most `size` cases."""
    by_module: dict[str, list[str]] = {}
    for case, module in cases.items():
        by_module.setdefault(module, []).append(case)
    parts: list[list[str]] = [[]]
    for module in sorted(by_module):
        if parts[-1] and len(parts[-1]) + len(by_module[module]) > size:
            parts.append([])
        parts[-1].extend(by_module[module])
    return [ProfilePlan(CONFORMANT, frozenset(part), frozenset(), f"{i + 1:02d}") for i, part in enumerate(parts) if part]


def ci_plan(expectations: Expectations, cases: dict[str, str],
            tolerated: dict[str, list[str]] | None = None) -> list[ProfilePlan]:
    """The proof each way for every case, plus each tolerated profile (a
    limit a conformant stack may have) over the modules of the cases it must
    still pass - a check that does not fail more than its clause asks."""
    assigned: dict[str, set[str]] = {}
    for case, profiles in narrowest_profiles(expectations, cases).items():
        for profile in profiles:
            assigned.setdefault(profile, set()).add(case)
    plans = conformant_parts(cases)
    for profile in sorted(assigned):
        proves = frozenset(assigned[profile])
        modules = {cases[case] for case in proves if case in cases}
        targets = _targets(expectations, profile, cases)
        controls = {case for case, module in cases.items() if module in modules and case not in targets}
        controls -= SLOW_TESTS  # a slow control proves no more than a quick one
        plans.append(ProfilePlan(profile, proves | controls, proves))
    for profile, passing in sorted((tolerated or {}).items()):
        modules = {cases[case] for case in passing if case in cases}
        run = {case for case, module in cases.items() if module in modules} - SLOW_TESTS
        plans.append(ProfilePlan(profile, frozenset(run | set(passing)), frozenset()))
    return plans


def full_plan(expectations: Expectations, cases: dict[str, str],
              tolerated: dict[str, list[str]] | None = None) -> list[ProfilePlan]:
    """Every case under every profile (tolerated ones are in `expectations`, targeting none)."""
    return [ProfilePlan(p, None, _targets(expectations, p, cases)) for p in expectations]


def isolated_plan(expectations: Expectations, cases: dict[str, str],
                  tolerated: dict[str, list[str]] | None = None) -> list[ProfilePlan]:
    """Every case alone on the conformant DUT, in a campaign of its own
    (fresh boot, no case before it): with collection order (the conformant
    parts) and reversed or shuffled runs, the third order a verdict must
    not depend on."""
    return [ProfilePlan(CONFORMANT, frozenset({case}), frozenset(), case) for case in sorted(cases)]


def uncovered(expectations: Expectations, cases: dict[str, str]) -> list[str]:
    """Cases no profile targets: their check is not proven able to fail."""
    return sorted(set(cases) - set(narrowest_profiles(expectations, cases)))


def within_cases(plan: ProfilePlan, cases: frozenset[str]) -> ProfilePlan:
    """The plan limited to `cases` (those of the suites chosen): a profile
    named for a case of another suite runs nothing of it."""
    planned = cases if plan.cases is None else plan.cases & cases
    return replace(plan, cases=planned, must_fail=plan.must_fail & planned)


@dataclass(frozen=True)
class Shard:
    """This machine's share of a plan: shard `index` of `count` (from 1)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """'I/N' with 1 <= I <= N (as argparse's type: a ValueError is a usage error)."""
    index, separator, count = text.partition("/")
    if not separator or not index.isdigit() or not count.isdigit() or not 1 <= int(index) <= int(count):
        raise ValueError(f"a shard is I/N with 1 <= I <= N, not {text!r}")
    return Shard(int(index), int(count))


def plan_key(plan: ProfilePlan) -> str:
    """A campaign of the plan, by name: the profile, and its part if it has parts."""
    return f"{plan.profile}/{plan.part}" if plan.part else plan.profile


def share(plans: list[ProfilePlan], shard: Shard, all_cases: int) -> list[ProfilePlan]:
    """The campaigns of `plans` that shard `shard` runs: every campaign in
    exactly one shard, balanced by its number of cases (a campaign of every
    case counts `all_cases`), longest first onto the least loaded shard. Only
    the plan decides, so N machines given the same plan agree without talking."""
    loads = [0] * shard.count
    mine = []
    for plan in sorted(plans, key=lambda p: (-(len(p.cases) if p.cases is not None else all_cases), plan_key(p))):
        lightest = loads.index(min(loads))
        loads[lightest] += len(plan.cases) if plan.cases is not None else all_cases
        if lightest == shard.index - 1:
            mine.append(plan)
    return mine
