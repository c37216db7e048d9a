"""How close the AP-CELL suite runs to the floor the protocols set.

Runs the cellular suite (`-k cellular`) against a lab config and prints its
wall time against the protocol floor: the DUT's boot, every attach the suite
makes at the speed of the boot's own attach (Attach Request to Attach
Complete, from the NAS trace), and the timers TS 24.301 makes a case wait
out - a retry or its absence cannot be seen before T3410/T3411/T3346 run.

    .venv/bin/python benchmarks/cellular_campaign.py [--lab-config FILE] [--with-slow]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.cellular.attach import TimedMessage, exchange_from  # noqa: E402
from harness.cellular.timers import ATTACH_ATTEMPT_LIMIT, T3410_NBS1_S, T3410_S, T3411_S  # noqa: E402
from harness.cellular.trace import read_nas_trace  # noqa: E402
from harness.config import load_lab_config  # noqa: E402
from harness.evidence.records import read_records  # noqa: E402
from harness.ipv6.timers import RETRANS_TIMER_S  # noqa: E402
from testsuites.cellular.test_attach_reject import T3346_FOR_THE_CASE_S  # noqa: E402


def case_floors(t3410_s: float) -> dict[str, float]:
    """What a conformant terminal and a perfect tester still have to wait per case."""
    return {
        # Five attempts, each abandoned at T3410 and the next one T3411 later;
        # a sixth at the same spacing is ruled out only once it is due.
        "test_attach_is_retried_after_t3410_up_to_the_attempt_limit": ATTACH_ATTEMPT_LIMIT * (t3410_s + T3411_S),
        "test_no_new_attach_after_a_final_reject": T3411_S,  # per cause: a faulty retry comes after T3411
        "test_ipv4_only_grant_is_used_without_reattaching": T3411_S,
        "test_no_attach_before_t3346_expires": float(T3346_FOR_THE_CASE_S),
        "test_terminal_configures_ipv6_on_the_pdn": RETRANS_TIMER_S,  # DAD of the PDN address (RFC 4862 5.4)
        "test_ipv6_only_network_is_reached_over_ipv6": RETRANS_TIMER_S,
    }


def attaches(trace: Path) -> tuple[int, float]:
    """How many attaches the trace holds, and how long the first complete one took."""
    messages = [TimedMessage(m.time, m.message) for m in read_nas_trace(trace) if m.message is not None]
    requests = [i for i, m in enumerate(messages) if m.message.name == "Attach Request"]
    first = next((e for e in (exchange_from(messages[i:]) for i in requests) if e.outcome == "Attach Complete"), None)
    duration = 0.0 if first is None else first.first("Attach Complete").time - first.start
    return len(requests), duration


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab-config", default=str(REPO / "lab_configs" / "qemu-x86_64.yaml"))
    parser.add_argument("--with-slow", action="store_true", help="include the attach-retry case (5 x T3410 + T3411)")
    args = parser.parse_args()
    category = load_lab_config(args.lab_config).declaration.cellular.category
    selection = ["-k", "cellular"] + ([] if args.with_slow else ["-m", "not slow"])
    with tempfile.TemporaryDirectory(prefix="bench-cell-") as work:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "harness", "campaign", "--lab-config", args.lab_config,
                        "--reports", work, "--", *selection], cwd=REPO, capture_output=True, check=False)
        wall = time.monotonic() - started
        root = (Path(work) / "latest").resolve()
        records = list(read_records(root / "evidence" / "tests").values())
        boot = min(json.loads(p.read_text())["boot_seconds"] for p in (root / "evidence").glob("run-*/session.json"))
        count, attach_s = attaches(root / "evidence" / "cellular" / "nas-trace.pcap")
    floors = case_floors(T3410_NBS1_S if category == "nbiot" else T3410_S)
    timers = sum(floors.get(r.name.split("[", 1)[0], 0.0) for r in records if r.status != "skipped")
    floor = boot + count * attach_s + timers
    in_cases = sum(r.stopped - r.started for r in records)
    verdicts = Counter(r.status for r in records)
    print(f"AP-CELL suite on {category}: {len(records)} cases ({', '.join(f'{n} {s}' for s, n in sorted(verdicts.items()))})")
    print(f"  protocol floor  {floor:7.1f} s  (boot {boot:.1f} s + {count} attaches x {attach_s:.3f} s"
          f" + TS 24.301 timers {timers:.1f} s)")
    print(f"  wall time       {wall:7.1f} s  (campaign command, report and bundle included; {in_cases:.1f} s in cases)")
    print(f"  ratio           {wall / floor:7.2f}  (wall / floor)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
