"""The CI fault plan proves every case both ways with fewer runs than the
full cross-product: each case under its narrowest profile, with the
untargeted cases of its module as controls."""

from __future__ import annotations

import pytest

from harness.faultplan import (
    CONFORMANT, SLOW_TESTS, Shard, ci_plan, full_plan, isolated_plan, narrowest_profiles, parse_shard, plan_key, share,
    suite_cases, uncovered, within_cases,
)

SLOW_TEST = sorted(SLOW_TESTS)[0]

CASES = {
    "test_a": "test_one.py", "test_b": "test_one.py", "test_c": "test_one.py",
    "test_d": "test_two.py", SLOW_TEST: "test_two.py",
}
EXPECTATIONS = {
    CONFORMANT: [],
    "everything-off": "all",
    "a-and-d": ["test_a", "test_d"],
    "only-a": ["test_a"],
}


def test_each_case_goes_to_its_narrowest_profile():
    assert narrowest_profiles(EXPECTATIONS, CASES) == {
        "test_a": ["only-a"], "test_d": ["a-and-d"], "test_b": ["everything-off"], "test_c": ["everything-off"],
        SLOW_TEST: ["everything-off"],
    }


def test_two_faults_as_narrow_as_each_other_both_prove_their_case():
    """Two ways a stack breaks one check (a DAD failure ignored; a new MAC
    after it) are both run in CI, so both recognitions are proven."""
    tied = {**EXPECTATIONS, "a-another-way": ["test_a"]}
    assert narrowest_profiles(tied, CASES)["test_a"] == ["a-another-way", "only-a"]
    plans = {plan.profile: plan for plan in ci_plan(tied, CASES)}
    assert plans["a-another-way"].must_fail == plans["only-a"].must_fail == {"test_a"}


def test_ci_plan_runs_assigned_cases_with_their_module_as_controls():
    planned = ci_plan(EXPECTATIONS, CASES)
    plans = {plan.profile: plan for plan in planned if plan.profile != CONFORMANT}
    conformant = [plan for plan in planned if plan.profile == CONFORMANT]
    assert set().union(*(plan.cases for plan in conformant)) == set(CASES) and not any(plan.must_fail for plan in conformant)
    assert plans["only-a"].cases == {"test_a", "test_b", "test_c"}
    assert plans["only-a"].must_fail == {"test_a"}
    # test_a is targeted by a-and-d too, so it cannot be a control there; the slow case never is one
    assert plans["a-and-d"].cases == {"test_d"} and plans["a-and-d"].must_fail == {"test_d"}
    assert plans["everything-off"].must_fail == {"test_b", "test_c", SLOW_TEST}
    # every case is proven to fail somewhere, and none is both expected to fail and to pass
    proven = {case for plan in plans.values() for case in plan.must_fail}
    assert proven == set(CASES)


def test_a_tolerated_profile_runs_its_cases_and_their_module_and_must_fail_none():
    planned = ci_plan(EXPECTATIONS, CASES, {"limit-the-rfc-allows": ["test_a"]})
    tolerated = next(plan for plan in planned if plan.profile == "limit-the-rfc-allows")
    assert tolerated.cases == {"test_a", "test_b", "test_c"} and tolerated.must_fail == frozenset()


def test_full_plan_is_the_cross_product():
    plans = full_plan(EXPECTATIONS, CASES)
    assert [plan.profile for plan in plans] == list(EXPECTATIONS)
    assert all(plan.cases is None for plan in plans)
    assert next(p for p in plans if p.profile == "everything-off").must_fail == set(CASES)


def test_a_case_no_profile_targets_is_reported():
    assert uncovered({CONFORMANT: [], "only-a": ["test_a"]}, CASES) == sorted(set(CASES) - {"test_a"})


def test_the_real_suites_are_all_covered_and_the_plan_is_smaller(repo):
    from harness.faultmatrix import load_expectations

    cases = suite_cases(repo / "testsuites")
    expectations = load_expectations()
    assert uncovered(expectations, cases) == []
    ci_runs = sum(len(p.cases) for p in ci_plan(expectations, cases))
    assert ci_runs < len(expectations) * len(cases) / 3


def test_the_conformant_run_is_split_in_whole_modules():
    cases = {f"test_{m}{i}": f"test_{m}.py" for m, n in (("one", 5), ("two", 4), ("three", 9), ("four", 2)) for i in range(n)}
    parts = [plan for plan in ci_plan({CONFORMANT: [], "all-off": "all"}, cases) if plan.profile == CONFORMANT]
    assert sorted(case for part in parts for case in part.cases) == sorted(cases)
    assert all(not part.must_fail for part in parts)
    assert len({part.part for part in parts}) == len(parts)
    for part in parts:  # no module is split over two campaigns
        assert all(set(cases[c] for c in part.cases).isdisjoint(cases[c] for c in other.cases) for other in parts if other is not part)


def test_isolated_plan_runs_each_case_alone_on_the_conformant_dut():
    plans = isolated_plan(EXPECTATIONS, CASES)
    assert all(len(plan.cases) == 1 for plan in plans)
    assert sorted(case for plan in plans for case in plan.cases) == sorted(CASES)
    assert {plan.profile for plan in plans} == {CONFORMANT} and not any(plan.must_fail for plan in plans)
    assert len({plan.part for plan in plans}) == len(CASES)  # a campaign folder each


def test_a_plan_limited_to_some_suites_runs_and_expects_only_their_cases():
    one = frozenset(case for case, module in CASES.items() if module == "test_one.py")
    plans = ci_plan(EXPECTATIONS, CASES) + full_plan(EXPECTATIONS, CASES)
    limited = {(plan.profile, plan.part, plan.cases is None): within_cases(plan, one) for plan in plans}
    assert all(plan.cases <= one and plan.must_fail <= plan.cases for plan in limited.values())
    # a-and-d proves test_d (of test_two.py) in the CI plan: limited, it runs none of it
    assert limited[("a-and-d", "", False)].must_fail == frozenset()
    # the full plan's "every case" becomes every case of the suites chosen
    assert limited[("everything-off", "", True)].cases == one == limited[("everything-off", "", True)].must_fail


def test_shards_share_every_campaign_of_the_plan_once_and_evenly():
    cases = {f"test_{m}{i}": f"ipv6/test_{m}.py" for m, n in (("one", 5), ("two", 4), ("three", 9), ("four", 2)) for i in range(n)}
    expectations = {CONFORMANT: [], "p1": ["test_one0"], "p2": ["test_two1", "test_two2"], "p3": ["test_three4"],
                    "p4": ["test_four1"], "all-off": "all"}
    plans = ci_plan(expectations, cases)
    for count in (1, 2, 3):
        shares = [share(plans, Shard(index, count), len(cases)) for index in range(1, count + 1)]
        keys = [plan_key(plan) for mine in shares for plan in mine]
        assert sorted(keys) == sorted(plan_key(plan) for plan in plans) and len(set(keys)) == len(keys)
        loads = [sum(len(plan.cases) for plan in mine) for mine in shares]
        assert max(loads) - min(loads) <= max(len(plan.cases) for plan in plans)
        assert shares == [share(list(reversed(plans)), Shard(index, count), len(cases)) for index in range(1, count + 1)]


def test_a_shard_is_written_i_of_n():
    assert parse_shard("2/3") == Shard(2, 3) and str(Shard(2, 3)) == "2/3"
    for text in ("0/2", "3/2", "2", "a/b", "1/0", "-1/2"):
        with pytest.raises(ValueError):
            parse_shard(text)
