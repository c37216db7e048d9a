"""How close the IPv6 campaign runs to the floor the protocols set.

Runs the campaign against a lab config once per instance count (1, 2 and 4
DUT instances by default) and prints each wall time against the serial
protocol floor (the DUT's own boot plus the waits the RFCs impose on the
cases that ran, one after another), plus the count of cases per RFC.

    .venv/bin/python benchmarks/ipv6_campaign.py [--lab-config FILE] [--instances 1 2 4] [--with-slow] [--reports DIR]

Each campaign's report and bundle stay under --reports (reports/benchmarks
by default), and a case that did not pass is named with its verdict.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.config import LabConfig, load_lab_config, write_lab_config  # noqa: E402
from harness.evidence.records import read_records  # noqa: E402
from harness.ipv6.timers import (  # noqa: E402
    MAX_RTR_SOLICITATION_DELAY_S,
    RETRANS_TIMER_S,
    RTR_SOLICITATION_INTERVAL_S,
    UNSOLICITED_REPORT_INTERVAL_S,
)

LINK_LOCAL_DAD = RETRANS_TIMER_S  # RFC 4862 5.4: one probe, one RetransTimer
ROUTER_CONFIGURATION = LINK_LOCAL_DAD + RETRANS_TIMER_S  # link-local DAD, then DAD of the SLAAC address
DELAY_FIRST_PROBE_TIME_S = 5.0  # RFC 4861 10
MIN_RANDOM_FACTOR = 0.5  # RFC 4861 10
NUD_REACHABLE_S = 1.0  # the ReachableTime the NUD case advertises
REASSEMBLY_TIMEOUT_S = 60.0  # RFC 8200 4.5

# The least time a conformant DUT and tester could spend on each case: only
# what an RFC forces (DAD before use, RS spacing, NUD and reassembly timers).
CASE_FLOORS = {
    "test_router_solicitation_after_link_up": LINK_LOCAL_DAD,
    "test_router_solicitations_are_spaced_by_the_interval": LINK_LOCAL_DAD + 0.9 * RTR_SOLICITATION_INTERVAL_S,
    "test_no_mldv1_reports_after_link_up": UNSOLICITED_REPORT_INTERVAL_S,
    "test_solicitations_stop_after_an_advertisement": LINK_LOCAL_DAD + 0.9 * RTR_SOLICITATION_INTERVAL_S,
    "test_slaac_address_from_advertised_prefix": ROUTER_CONFIGURATION,
    "test_dad_probe_for_global_address": ROUTER_CONFIGURATION,
    "test_echo_reply_on_global_address": ROUTER_CONFIGURATION,
    "test_defended_global_address_is_not_used": LINK_LOCAL_DAD,
    "test_temporary_address_is_formed": ROUTER_CONFIGURATION,
    "test_router_lifetime_zero_removes_the_default_route": ROUTER_CONFIGURATION,
    "test_unreachable_neighbor_is_probed_with_unicast_ns": ROUTER_CONFIGURATION
    + MIN_RANDOM_FACTOR * NUD_REACHABLE_S + DELAY_FIRST_PROBE_TIME_S,
    "test_incomplete_reassembly_times_out_with_time_exceeded": REASSEMBLY_TIMEOUT_S,
    # The server's Advertise carries preference 255, so the client need not
    # collect Advertises for SOL_TIMEOUT (RFC 8415 18.2.9); DAD of the lease remains.
    "test_address_from_dhcpv6_is_used": RETRANS_TIMER_S,
}
# An "RA is ignored" case can only rule out an address once the longest
# random DAD delay (RFC 4862 5.4.2) has passed after the control's.
CASE_FLOORS |= {
    name: MAX_RTR_SOLICITATION_DELAY_S
    for name in (
        "test_ra_with_hop_limit_254_is_ignored", "test_ra_from_a_global_source_is_ignored",
        "test_prefix_length_96_is_ignored", "test_prefix_without_autonomous_flag_forms_no_address",
        "test_preferred_lifetime_above_valid_is_ignored",
    )
}
# Modules that configure the DUT through the router once for all their cases.
MODULE_FLOORS = {"test_router_discovery": ROUTER_CONFIGURATION, "test_icmpv6_errors": ROUTER_CONFIGURATION,
                 "test_fragments": ROUTER_CONFIGURATION, "test_dhcpv6": ROUTER_CONFIGURATION,
                 "test_rdnss": ROUTER_CONFIGURATION}
CASES_THAT_REBOOT = {"test_link_local_dad_failure_stops_ip_operation"}  # IPv6 stays off until reset


def protocol_floor(records, boot_seconds: float) -> tuple[float, float]:
    names = {r.name for r in records}
    modules = {r.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py") for r in records}
    timers = sum(CASE_FLOORS.get(name, 0.0) for name in names) + sum(MODULE_FLOORS.get(m, 0.0) for m in modules)
    boots = 1 + len(names & CASES_THAT_REBOOT)
    return boots * boot_seconds, timers


def cases_per_rfc(records) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in records:
        standards = {re.match(r"(RFC\d+)", clause).group(1) for clause in record.clauses if clause.startswith("RFC")}
        counts.update(standards)
    return counts


def run_once(lab_config: LabConfig, instances: int, work: Path, with_slow: bool) -> tuple[float, list, float]:
    """One campaign on `instances` DUTs: its wall time, records and one boot time."""
    # The IPv6 suite alone: the default lab's cellular side (one emulated
    # module and network) is left out, and so is the AP-CELL suite.
    variant = lab_config.model_copy(update={"dut": lab_config.dut.model_copy(update={"instances": instances}),
                                            "cellular": None})
    config = write_lab_config(variant, work / f"lab-{instances}.yaml")
    reports = work / f"reports-{instances}"
    # The IPv6 suite's package is the only one named ipv6; AP-CELL's PDN case
    # module (test_pdn_ipv6) is the one other match.
    extra = ["--", "-k", "ipv6 and not cellular"] + ([] if with_slow else ["-m", "not slow"])
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(reports), *extra],
        cwd=REPO, capture_output=True, check=False,
    )
    wall = time.monotonic() - started
    root = (reports / "latest").resolve()
    records = list(read_records(root / "evidence" / "tests").values())
    sessions = sorted((root / "evidence").glob("run-*/session.json"))
    boot = min(json.loads(path.read_text())["boot_seconds"] for path in sessions)
    return wall, records, boot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab-config", default=str(REPO / "lab_configs" / "qemu-x86_64.yaml"))
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 4], help="DUT instance counts to run")
    parser.add_argument("--with-slow", action="store_true", help="include the 60 s reassembly-timeout case")
    parser.add_argument("--reports", default=str(REPO / "reports" / "benchmarks"), help="where the campaigns' bundles stay")
    args = parser.parse_args()
    lab_config = load_lab_config(args.lab_config)
    rows = []
    work = Path(args.reports)
    work.mkdir(parents=True, exist_ok=True)
    for instances in args.instances:
        wall, records, boot_seconds = run_once(lab_config, instances, work, args.with_slow)
        boot, timers = protocol_floor(records, boot_seconds)
        verdicts = Counter(r.status for r in records)
        rows.append((instances, wall, boot + timers, boot, timers, records, verdicts))
    # The serial floor is the fewest instances' (one, by default): boots run
    # side by side on a small machine take longer each, which is not the protocol's doing.
    _, _, floor, boot, timers, _, _ = min(rows, key=lambda row: row[0])
    print(f"serial protocol floor {floor:7.1f} s  (boot {boot:.1f} s + RFC timers {timers:.1f} s)")
    for instances, wall, _, _, _, records, verdicts in rows:
        print(f"IPv6 campaign on {instances} instance(s): {len(records)} cases "
              f"({', '.join(f'{n} {s}' for s, n in sorted(verdicts.items()))})")
        print(f"  wall time             {wall:7.1f} s  (campaign command, report and bundle included)")
        print(f"  ratio                 {wall / floor:7.2f}  (wall / serial floor)")
        for record in sorted(records, key=lambda r: r.nodeid):
            if record.status not in ("passed", "skipped"):
                print(f"  {record.status:8s} {record.nodeid}")
    print("cases per RFC: " + ", ".join(f"{rfc} {n}" for rfc, n in sorted(cases_per_rfc(rows[0][5]).items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
