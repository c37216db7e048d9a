"""The bench path without hardware: a network namespace's Linux stack plays
the physical DUT at the far end of a veth pair; the harness drives it through
the raw-interface Link and a console server, as it would a unit on a bench.
Needs root (CI runs as root)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from harness.evidence.records import read_records

REPO = Path(__file__).resolve().parents[2]
CONSOLE_SERVER = REPO / "fixtures" / "bench" / "netns_console.py"
REPRESENTATIVE_CASES = [
    "test_dad_probe_for_link_local_address",
    "test_mldv2_report_after_link_up",
    "test_router_solicitation_after_link_up",
    "test_solicited_na_for_link_local_address",
    "test_unicast_ns_is_answered",
    "test_ns_with_hop_limit_254_is_ignored",
    "test_echo_reply_on_link_local_address",
    "test_slaac_address_from_advertised_prefix",
    "test_echo_reply_on_global_address",
    "test_closed_udp_port_gives_port_unreachable",
    "test_unknown_next_header_gives_parameter_problem",
]

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None, reason="a network namespace and a veth pair need root and iproute2"
)


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def namespace_dut(tmp_path):
    """A namespace with one veth end (the DUT's port); the other end stays on
    the host, IPv6 off, cabled to the harness."""
    tag = uuid.uuid4().hex[:6]
    namespace, host_end, dut_end = f"hxdut{tag}", f"hxh{tag}", f"hxd{tag}"
    sh("ip", "netns", "add", namespace)
    console = None
    try:
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", dut_end, "netns", namespace)
        sh("sysctl", "-qw", f"net.ipv6.conf.{host_end}.disable_ipv6=1")
        # The DUT's stack: stop IP operation when link-local DAD fails (RFC 4862 5.4.5).
        sh("ip", "netns", "exec", namespace, "sysctl", "-qw", f"net.ipv6.conf.{dut_end}.accept_dad=2")
        sh("ip", "link", "set", host_end, "up")
        sh("ip", "-n", namespace, "link", "set", "lo", "up")
        sh("ip", "-n", namespace, "link", "set", dut_end, "up")
        mac = json.loads(sh("ip", "-n", namespace, "-j", "link", "show", dut_end))[0]["address"]
        console = subprocess.Popen([sys.executable, str(CONSOLE_SERVER), namespace], stdout=subprocess.PIPE, text=True)
        port = int(console.stdout.readline())
        yield namespace, host_end, dut_end, mac, port
    finally:
        if console is not None:
            console.kill()
            console.wait(10)
        subprocess.run(["ip", "link", "del", host_end], capture_output=True)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


def bench_config(tmp_path: Path, host_end: str, dut_end: str, mac: str, port: int) -> Path:
    path = tmp_path / "bench.yaml"
    path.write_text(f"""
lab: {{name: ci-veth-bench}}
dut:
  kind: bench
  serial: {{url: "socket://127.0.0.1:{port}"}}
  interface: {host_end}
  mac: "{mac}"
  ready_pattern: "netns-dut# "
  boot_timeout_s: 30
declaration:
  manufacturer: Linux network namespace
  model: netns-veth
  interfaces: [ethernet]
  features: [ipv6, slaac, mldv2]
  commands:
    link_restart: ip link set {dut_end} down; ip link set {dut_end} up
""")
    return path


def test_representative_ipv6_cases_pass_over_a_real_interface(tmp_path, namespace_dut):
    namespace, host_end, dut_end, mac, port = namespace_dut
    config = bench_config(tmp_path, host_end, dut_end, mac, port)
    result = subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(tmp_path / "reports"),
         "--", "-k", " or ".join(REPRESENTATIVE_CASES)],
        cwd=REPO, capture_output=True, text=True,
    )
    root = (tmp_path / "reports" / "latest").resolve()
    verdicts = {r.name: r.status for r in read_records(root / "evidence" / "tests").values()}
    assert verdicts == {case: "passed" for case in REPRESENTATIVE_CASES}, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0
    assert (root / "evidence" / "run-1" / "link.pcap").stat().st_size > 24


def test_the_same_cases_fail_when_the_bench_dut_has_ipv6_off(tmp_path, namespace_dut):
    namespace, host_end, dut_end, mac, port = namespace_dut
    sh("ip", "netns", "exec", namespace, "sysctl", "-qw", f"net.ipv6.conf.{dut_end}.disable_ipv6=1")
    config = bench_config(tmp_path, host_end, dut_end, mac, port)
    cases = ["test_dad_probe_for_link_local_address", "test_solicited_na_for_link_local_address"]
    subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(config), "--reports", str(tmp_path / "reports"),
         "--", "-k", " or ".join(cases)],
        cwd=REPO, capture_output=True, text=True,
    )
    root = (tmp_path / "reports" / "latest").resolve()
    verdicts = {r.name: r.status for r in read_records(root / "evidence" / "tests").values()}
    assert verdicts == {case: "failed" for case in cases}
