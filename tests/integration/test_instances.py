"""Several DUT instances from one image in one campaign: the test modules are
spread over them (one pytest-xdist worker each), and the campaign still ends
in one report and one bundle, resumable as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scapy.utils import rdpcap

from harness.config import load_lab_config, write_lab_config
from harness.evidence.records import read_records
from harness.evidence.signing import verify_bundle

REPO = Path(__file__).resolve().parents[2]
FIRST = ["--", "-k", "test_link_up"]
WIDER = ["--", "-k", "test_link_up or test_neighbor_discovery or test_mld"]
WIDER_CASES = 5 + 6 + 1


def campaign(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", "campaign", *args], capture_output=True, text=True, cwd=REPO)


def test_two_instances_share_one_campaign_report_and_bundle(tmp_path, make_lab_config):
    base = load_lab_config(make_lab_config("instances"))
    config = write_lab_config(base.model_copy(update={"dut": base.dut.model_copy(update={"instances": 2})}), tmp_path / "two.yaml")
    reports = tmp_path / "reports"
    first = campaign("--lab-config", str(config), "--reports", str(reports), *FIRST)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    root = (reports / "latest").resolve()
    done_first = read_records(root / "evidence" / "tests")

    assert "  start   " not in first.stdout, "progress lines are quiet when the output is not a terminal"

    resumed = campaign("--lab-config", str(config), "--reports", str(reports), "--resume", str(root), "--progress", "on",
                       *WIDER)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    records = read_records(root / "evidence" / "tests")
    ran = set(records) - set(done_first)
    ends = [line.split() for line in resumed.stdout.splitlines() if line.startswith("  passed ")]
    assert sorted(next(word for word in words if "::" in word) for words in ends) == sorted(ran)
    assert all(words[3] == f"[{number}/{len(ran)}]" for number, words in enumerate(ends, 1)), ends
    assert any(line.endswith(" left") for line in resumed.stdout.splitlines()), "the time left is estimated"
    assert len(records) == WIDER_CASES and {r.status for r in records.values()} == {"passed"}
    for nodeid, record in done_first.items():  # resume did not re-run them
        assert records[nodeid].started == record.started

    runs = sorted(path.name for path in (root / "evidence").glob("run-*"))
    workers = {name.rsplit("-", 1)[-1] for name in runs}
    assert workers == {"gw0", "gw1"}, runs
    sources = set()
    for run in runs:
        frames = rdpcap(str(root / "evidence" / run / "link.pcap"))
        sources |= {frame.src for frame in frames if frame.src.startswith("52:54:00")}
    assert sources == {"52:54:00:12:34:56", "52:54:00:12:34:57"}, "each instance has its own MAC on its own link"
    matrix = (root / "traceability.json").read_text()
    assert all(f'"{nodeid}"' in matrix for nodeid in records), "one traceability matrix holds every instance's tests"
    assert verify_bundle(root).ok
