"""Shards of a fault-matrix plan put back together give the unsharded
matrix; shards that do not make one plan are refused, and a damaged shard
file is a HarnessError, never another exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from harness.errors import HarnessError
from harness.faultmatrix import ProfileRun, merged, write_matrix
from harness.faultmerge import merge_shards
from tests.mutations import HOSTILE, mutated_json, typed

PLAN = ["conformant/01", "conformant/02", "p-a", "p-b"]


def run(profile: str, verdicts: dict[str, str], targets=(), campaign="c") -> ProfileRun:
    return ProfileRun(profile, verdicts, {c: "RFC x: expected a; observed b" for c, v in verdicts.items() if v != "passed"},
                      frozenset(verdicts), frozenset(targets), (f"{profile}/{campaign}",), 0, 10.0)


RUNS = {
    "conformant/01": run("conformant", {"test_a": "passed", "test_b": "passed"}, campaign="01"),
    "conformant/02": run("conformant", {"test_c": "passed", "test_nb": "skipped"}, campaign="02"),
    "p-a": run("p-a", {"test_a": "failed", "test_b": "passed"}, targets={"test_a"}),
    "p-b": run("p-b", {"test_b": "failed", "test_c": "failed", "test_nb": "skipped"}, targets={"test_c", "test_nb"}),
}
SHARES = {"1/2": ["conformant/01", "p-b"], "2/2": ["conformant/02", "p-a"]}


def write_shards(tmp_path, shares=SHARES, plan=PLAN):
    folders = []
    for name, keys in shares.items():
        folder = tmp_path / f"shard{name.split('/')[0]}"
        folder.mkdir()
        write_matrix(folder, "ci", "shuffled:1", merged([RUNS[key] for key in keys]), ["test_lonely"],
                     {"shard": name, "campaigns": sorted(keys), "plan": plan}, wall_s=60.0 * len(folders) + 60)
        folders.append(folder)
    return folders


def comparable(path):
    matrix = json.loads(path.read_text())
    for entry in matrix["profiles"].values():
        entry.pop("campaigns"), entry.pop("seconds")
    matrix.pop("wall_s")
    matrix.pop("sharding", None)
    return matrix


def test_merged_shards_give_the_unsharded_matrix(tmp_path):
    whole = tmp_path / "whole"
    whole.mkdir()
    write_matrix(whole, "ci", "shuffled:1", merged(list(RUNS.values())), ["test_lonely"])
    status = merge_shards(tmp_path / "merged", write_shards(tmp_path))
    assert status == 1  # p-b fails test_b, which it does not target: a mismatch, as unsharded
    assert comparable(tmp_path / "merged" / "fault-matrix.json") == comparable(whole / "fault-matrix.json")
    merged_matrix = json.loads((tmp_path / "merged" / "fault-matrix.json").read_text())
    assert merged_matrix["profiles"]["conformant"]["campaigns"] == ["../shard1/conformant/01", "../shard2/conformant/02"]
    assert merged_matrix["not_applicable"] == ["test_nb"]  # the baseline from shard 1 and 2 together
    assert (tmp_path / "merged" / "fault-matrix.html").exists()
    assert merged_matrix["wall_s"] == 120.0  # the slower shard's: they run side by side


@pytest.mark.parametrize("shares, why", [
    ({"1/2": ["conformant/01", "p-b"]}, "need each of 1/2 .. 2/2 once"),
    ({"1/2": ["conformant/01", "p-b"], "2/2": ["conformant/02"]}, "missing p-a"),
])
def test_shards_that_are_not_one_whole_plan_are_refused(tmp_path, shares, why):
    with pytest.raises(HarnessError, match=why):
        merge_shards(tmp_path / "merged", write_shards(tmp_path, shares))


def test_shards_of_different_plans_are_refused(tmp_path):
    first, second = write_shards(tmp_path)
    matrix = json.loads((second / "fault-matrix.json").read_text())
    matrix["sharding"]["plan"] = PLAN[:-1]
    (second / "fault-matrix.json").write_text(json.dumps(matrix))
    with pytest.raises(HarnessError, match="different plan"):
        merge_shards(tmp_path / "merged", [first, second])


def test_an_unsharded_matrix_is_not_a_shard(tmp_path):
    write_matrix(tmp_path, "ci", "collection", merged(list(RUNS.values())), [])
    with pytest.raises(HarnessError, match="not the fault-matrix.json of a shard"):
        merge_shards(tmp_path / "merged", [tmp_path])


def _seed() -> dict:
    return {"plan": "ci", "wall_s": 3.0, "case_order": {"conformant": "collection", "faults": "collection"}, "not_targeted": [],
            "sharding": {"shard": "1/1", "campaigns": ["p-a"], "plan": ["p-a"]},
            "profiles": {"p-a": {"campaigns": ["p-a/c"], "seconds": 1.0, "planned": ["test_a"], "targets": ["test_a"],
                                 "verdicts": {"test_a": "failed"}, "messages": {"test_a": "m"}, "exit_status": 1}}}


@HOSTILE
@given(mutated_json([_seed()]))
def test_a_damaged_shard_file_is_a_harness_error(tmp_path_factory, document):
    folder = tmp_path_factory.mktemp("shard")
    (folder / "fault-matrix.json").write_text(json.dumps(document))
    typed(lambda: merge_shards(folder / "merged", [folder]), HarnessError)
