"""Put the shards of one fault-matrix plan back together (`fault-matrix
--shard I/N` on N machines, then one merge): the same fault-matrix.json and
HTML the unsharded run writes, its campaigns named relative to the merged
folder. Refuses shards of different plans or orders, a shard missing or
given twice, and a plan campaign that no shard ran."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import HarnessError
from harness.evidence.records import VERDICTS
from harness.faultmatrix import ProfileRun, merged, summarise, write_matrix


Verdict = Literal[VERDICTS]


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class ProfileEntry(_Shape):
    campaigns: list[Annotated[str, Field(max_length=1000)]]
    seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    planned: list[str]
    targets: list[str]
    verdicts: dict[str, Verdict]
    messages: dict[str, str]
    exit_status: int


class Sharding(_Shape):
    shard: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,3}/[1-9][0-9]{0,3}$")]
    campaigns: list[str]
    plan: list[str]


class CaseOrder(_Shape):
    conformant: str
    faults: str


class ShardMatrix(_Shape):
    """What merge reads of a shard's fault-matrix.json."""

    plan: str
    case_order: CaseOrder
    wall_s: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    not_targeted: list[str]
    sharding: Sharding
    profiles: dict[str, ProfileEntry]


def _read(folder: Path) -> ShardMatrix:
    path = folder / "fault-matrix.json"
    try:
        return ShardMatrix.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise HarnessError(f"{path}: not readable: {exc}") from None
    except ValidationError as exc:
        raise HarnessError(f"{path}: not the fault-matrix.json of a shard (fault-matrix --shard I/N): "
                           f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None


def _runs(folder: Path, matrix: ShardMatrix, output: Path) -> list[ProfileRun]:
    return [
        ProfileRun(profile, dict(entry.verdicts), dict(entry.messages), frozenset(entry.planned), frozenset(entry.targets),
                   tuple(os.path.relpath(folder / campaign, output) for campaign in entry.campaigns),
                   entry.exit_status, entry.seconds)
        for profile, entry in matrix.profiles.items()
    ]


def merge_shards(output: Path, shards: list[Path]) -> int:
    matrices = [_read(folder) for folder in shards]
    first = matrices[0]
    for folder, matrix in zip(shards, matrices):
        if (matrix.plan, matrix.case_order) != (first.plan, first.case_order):
            raise HarnessError(f"{folder}: plan {matrix.plan} in {matrix.case_order.faults} order, not "
                               f"{first.plan} in {first.case_order.faults} order as {shards[0]}")
        if matrix.sharding.plan != first.sharding.plan:
            raise HarnessError(f"{folder}: a different plan of campaigns than {shards[0]} (other suites or profiles?)")
    names = sorted(matrix.sharding.shard for matrix in matrices)
    count = int(names[0].split("/")[1])
    if names != sorted(f"{index}/{count}" for index in range(1, count + 1)):
        raise HarnessError(f"shards {', '.join(names)}: need each of 1/{count} .. {count}/{count} once")
    ran = sorted(campaign for matrix in matrices for campaign in matrix.sharding.campaigns)
    if ran != sorted(first.sharding.plan):
        missing = sorted(set(first.sharding.plan) - set(ran))
        raise HarnessError(f"the shards ran {len(ran)} campaigns of the plan's {len(first.sharding.plan)}: "
                           f"missing {', '.join(missing) or 'none'}")
    output.mkdir(parents=True, exist_ok=True)
    runs = merged([run for folder, matrix in zip(shards, matrices) for run in _runs(folder, matrix, output)])
    wall_s = max(matrix.wall_s for matrix in matrices)  # the shards run side by side
    write_matrix(output, first.plan, first.case_order.faults, runs, first.not_targeted, None, wall_s)
    return summarise(output, first.plan, first.case_order.faults, runs, wall_s)
