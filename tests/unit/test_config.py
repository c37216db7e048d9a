"""Lab config parsing: the shipped configs load; every malformed file gets
an error naming the file, the line and the key, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given

from harness.config import BenchDut, LabgridDut, QemuDut, load_lab_config, parse_lab_config
from harness.errors import ConfigError
from tests.mutations import HOSTILE, mutated_text, typed

REPO = Path(__file__).resolve().parents[2]
GOOD = (REPO / "lab_configs" / "qemu-x86_64.yaml").read_text()


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "lab_configs").glob("*.yaml")))
def test_shipped_configs_load(name):
    config = load_lab_config(REPO / "lab_configs" / name)
    assert isinstance(config.dut, (QemuDut, BenchDut, LabgridDut))


def test_relative_paths_resolve_against_the_config_file():
    config = load_lab_config(REPO / "lab_configs" / "qemu-x86_64.yaml")
    assert config.dut.kernel == (REPO / "build" / "refdut" / "vmlinux").resolve()


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


# (case, mutation of the good file, key named in the error, text whose line is reported)
MALFORMED = [
    ("bad MAC", lambda t: t.replace('mac: "52:54:00:12:34:56"', 'mac: "52:54:00:12:34"'), "dut.nics.0.mac", "mac: \"52:54:00:12:34\""),
    ("memory not a number", lambda t: t.replace("memory_mb: 256", "memory_mb: lots"), "dut.memory_mb", "memory_mb"),
    ("memory out of range", lambda t: t.replace("memory_mb: 256", "memory_mb: 4"), "dut.memory_mb", "memory_mb"),
    ("unknown key", lambda t: t.replace("  site: loopback", "  site: loopback\n  colour: red"), "lab.colour", "colour: red"),
    ("unknown DUT kind", lambda t: t.replace("kind: qemu", "kind: rocket"), "dut", "dut:"),
    ("missing model", lambda t: t.replace("\n  model: REFDUT-1\n", "\n", 1), "declaration.model", "declaration:"),
    ("ready pattern not a regex", lambda t: t.replace('ready_pattern: "refdut: ready profile=\\\\S+"', 'ready_pattern: "(unclosed"'), "dut.ready_pattern", "ready_pattern"),
    ("prefix not a /64", lambda t: t.replace("prefix: 2001:db8:1::/64", "prefix: 2001:db8::/48"), "tester.prefix", "prefix:"),
    ("prefix not IPv6", lambda t: t.replace("prefix: 2001:db8:1::/64", "prefix: 10.0.0.0/24"), "tester.prefix", "prefix:"),
    ("no kernel and no disk", lambda t: t.replace("  kernel: ../build/refdut/vmlinux\n", ""), "dut", "dut:"),
    ("unknown feature", lambda t: t.replace("features: [ipv6, slaac, mldv2, temporary-addresses, rdnss, dhcpv6, cat1]", "features: [ipv6, teleport]"), "declaration.features.1", "features:"),
    ("resolve without {name}", lambda t: t.replace("resolve: nslookup {name}", "resolve: nslookup example.com"), "declaration.commands.resolve", "resolve:"),
    ("unknown NIC model", lambda t: t.replace("model: virtio-net-pci", "model: ne2k"), "dut.nics.0.model", "model: ne2k"),
    ("boot timeout negative", lambda t: t.replace("boot_timeout_s: 90", "boot_timeout_s: -1"), "dut.boot_timeout_s", "boot_timeout_s"),
    ("empty accel list", lambda t: t.replace("accel: [tcg]", "accel: []"), "dut.accel", "accel:"),
    ("register without {url}", lambda t: t.replace("register_identity: didctl register {url}", "register_identity: didctl register"),
     "declaration.commands.register_identity", "register_identity:"),
    ("endpoint without {address}", lambda t: t.replace('auth_endpoint: "http://[{address}]/cgi-bin/bidauth"', 'auth_endpoint: "http://dut/auth"'),
     "declaration.identity.auth_endpoint", "auth_endpoint:"),
    ("unknown key type", lambda t: t.replace("key_type: Ed25519", "key_type: RSA"), "declaration.identity.key_type", "key_type:"),
    ("unknown identifier scheme", lambda t: t.replace("{scheme: gtin,", "{scheme: isbn,"), "declaration.identity.identifiers.1.scheme", "scheme: isbn"),
    ("TAC not 8 digits", lambda t: t.replace('module_tacs: ["49015420"]', 'module_tacs: ["4901542"]'),
     "declaration.cellular.module_tacs.0", "module_tacs:"),
    ("the lab interface not first", lambda t: t.replace("    - role: lab\n", "    - role: cellular-pdn\n", 1)
     .replace("    - role: cellular-pdn\n      model: e1000", "    - role: lab\n      model: e1000"), "dut.nics", "nics:"),
    ("two interfaces, one MAC", lambda t: t.replace('mac: "52:54:00:c0:ff:ee"', 'mac: "52:54:00:12:34:56"'), "dut.nics", "nics:"),
    ("unknown interface role", lambda t: t.replace("role: cellular-pdn", "role: telepathy"), "dut.nics.1.role", "role: telepathy"),
    ("a service declared twice", lambda t: t.replace("{protocol: udp, port: 546, purpose: DHCPv6 client}",
                                                     "{protocol: tcp, port: 80, purpose: again}"),
     "declaration.services", "services:"),
    # YAML that PyYAML reads into something no lab config is, or raises bare errors on
    ("complex key", lambda t: t.replace("  site: loopback", "  site: loopback\n  ? [a]\n  : 1"), "lab", "? [a]"),
    ("recursive alias", lambda t: t.replace("  site: loopback", "  site: &x [*x]"), "lab.site.0", "site: &x"),
    ("a tag's value unreadable: int", lambda t: t.replace("memory_mb: 256", "memory_mb: !!int lots"), "dut.memory_mb",
     "memory_mb"),
    ("a tag's value unreadable: float", lambda t: t.replace("boot_timeout_s: 90", "boot_timeout_s: !!float soon"),
     "dut.boot_timeout_s", "boot_timeout_s"),
    ("a tag's value unreadable: timestamp", lambda t: t.replace("valid_until: 2029-06-30", "valid_until: !!timestamp later"),
     "declaration.security_label.valid_until", "valid_until"),
    ("unknown tag", lambda t: t.replace("memory_mb: 256", "memory_mb: !python/object:os.system 256"), "dut.memory_mb",
     "memory_mb"),
    ("empty prompt", lambda t: t.replace('prompt: "refdut# "', 'prompt: ""'), "declaration.commands.prompt", "prompt:"),
    # cross-references, named where they are made
    ("two items on one topic filter", lambda t: t.replace("topic: refdut/+/meter", 'topic: "refdut/+/status"'),
     "declaration.data.items.1.topic", 'topic: "refdut/+/status"'),
    ("a topic filter covered by an earlier one", lambda t: t.replace("topic: refdut/+/status", "topic: refdut/#"),
     "declaration.data.items.1.topic", "topic: refdut/+/meter"),
    ("a destination naming no endpoint", lambda t: t.replace("{endpoint: vendor-support,", "{endpoint: nowhere,"),
     "declaration.data.items.3.destinations.0.endpoint", "endpoint: nowhere"),
    ("real resolver without URLs", lambda t: t.replace("identity:\n  emulated: true", "identity:  # the lab's\n  emulated: false"),
     "identity", "identity:  # the lab's"),
]


@pytest.mark.parametrize("case, mutate, key, needle", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_config_names_file_line_and_key(case, mutate, key, needle):
    text = mutate(GOOD)
    assert text != GOOD, "the mutation must change the file"
    with pytest.raises(ConfigError) as caught:
        parse_lab_config(text, "lab.yaml")
    message = str(caught.value)
    assert f"lab.yaml:{_line_of(text, needle)}: {key}:" in message, message


@pytest.mark.parametrize(
    "text, line",
    [("lab: [\n", 2), ("lab:\n  name: x\n dut: 1\n", 3), ("lab: {name: x\n", 2)],
    ids=["unclosed list", "bad indentation", "unclosed mapping"],
)
def test_yaml_syntax_error_names_the_line(text, line):
    with pytest.raises(ConfigError) as caught:
        parse_lab_config(text, "lab.yaml")
    assert f"lab.yaml:{line}:" in str(caught.value)
    assert "YAML syntax error" in str(caught.value)


def _laughs(levels: int) -> str:
    """Aliases of aliases: a few lines that expand to 10**levels values."""
    lines = ["  l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines)


@pytest.mark.parametrize("block, reason", [
    ("  site: " + "[" * 5000 + "]" * 5000, "nested more than"),
    ("  site: " + "{a: " * 3000 + "1" + "}" * 3000, "nested more than"),
    (_laughs(9), "aliases expanding"),
], ids=["deep list", "deep mapping", "billion laughs"])
def test_deep_or_exploding_yaml_is_refused_at_its_line(block, reason):
    text = GOOD.replace("  site: loopback", block)
    with pytest.raises(ConfigError) as caught:
        parse_lab_config(text, "lab.yaml")
    message = str(caught.value)
    first = _line_of(text, block.splitlines()[0][:12])
    lines = range(first, first + len(block.splitlines()))
    assert reason in message and any(f"lab.yaml:{line}:" in message for line in lines), message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", ""], ids=["list", "scalar", "empty"])
def test_top_level_must_be_a_mapping(text):
    with pytest.raises(ConfigError, match="expected a mapping at the top level"):
        parse_lab_config(text, "lab.yaml")


def test_yaml_on_off_keys_are_not_strings():
    """YAML 1.1 reads `on:` as a boolean; the power keys avoid the trap."""
    bench = (REPO / "lab_configs" / "bench-example.yaml").read_text()
    config = parse_lab_config(bench, "bench.yaml")
    assert config.dut.power.power_on[0] == "pdu-ctl"


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_lab_config(tmp_path / "nope.yaml")


def test_all_problems_are_reported_at_once():
    text = GOOD.replace("memory_mb: 256", "memory_mb: lots").replace("model: virtio-net-pci", "model: ne2k")
    with pytest.raises(ConfigError) as caught:
        parse_lab_config(text, "lab.yaml")
    assert len(caught.value.problems) == 2


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, cwd=REPO)


def test_cli_config_check_accepts_good_and_rejects_bad(tmp_path):
    assert _cli("config", "check", "lab_configs/qemu-x86_64.yaml").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("memory_mb: 256", "memory_mb: lots"))
    result = _cli("config", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad}:{_line_of(bad.read_text(), 'memory_mb')}: dut.memory_mb:" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_exports_a_json_schema(tmp_path):
    out = tmp_path / "schema.json"
    assert _cli("config", "schema", "-o", str(out)).returncode == 0
    schema = json.loads(out.read_text())
    assert {"lab", "dut", "declaration"} <= set(schema["properties"])


# Problems that would break a campaign at its start, caught by `config check`.
START_BREAKERS = [
    ("duplicate key", lambda t: t.replace("  memory_mb: 256\n", "  memory_mb: 256\n  memory_mb: 512\n"), "dut.memory_mb",
     "memory_mb: 512", "duplicate key (first given at line"),
    ("multicast DUT MAC", lambda t: t.replace('mac: "52:54:00:12:34:56"', 'mac: "53:54:00:12:34:56"'), "dut.nics.0.mac",
     'mac: "53:54', "multicast MAC"),
    ("multicast tester MAC", lambda t: t.replace('mac: "02:00:00:00:00:01"', 'mac: "01:00:5e:00:00:01"'), "tester.mac",
     'mac: "01:00:5e', "multicast MAC"),
    ("DUT and tester share a MAC", lambda t: t.replace('mac: "02:00:00:00:00:01"', 'mac: "52:54:00:12:34:56"'), "tester.mac",
     'mac: "52:54:00:12:34:56"\n  prefix', "share the MAC address"),
    ("emulated cellular without a PDN interface",
     lambda t: t.replace('    - role: cellular-pdn\n      model: e1000\n      mac: "52:54:00:c0:ff:ee"\n', ""),
     "dut.nics", "nics:", "role: cellular-pdn"),
    ("kernel file missing", lambda t: t.replace("/vmlinux\n", "/vmlinux-gone\n"),
     "dut.kernel", "vmlinux-gone", "no such file"),
    ("a path too long for the file system", lambda t: t.replace("/vmlinux\n", "/" + "x" * 300 + "\n"),
     "dut.kernel", "x" * 300, "not a usable path (File name too long)"),
]


@pytest.mark.parametrize("case, mutate, key, needle, reason", START_BREAKERS, ids=[b[0] for b in START_BREAKERS])
def test_config_check_catches_what_would_break_a_campaign_at_start(tmp_path, case, mutate, key, needle, reason):
    good = GOOD.replace("../build/refdut", str(REPO / "build" / "refdut")).replace("../fixtures/", f"{REPO}/fixtures/")
    text = mutate(good)
    assert text != good, "the mutation must change the file"
    path = tmp_path / "lab.yaml"
    path.write_text(text)
    result = _cli("config", "check", str(path))
    line = text[: text.index(needle)].count("\n") + 1
    assert result.returncode == 1
    assert f"{path}:{line}: {key}: " in result.stderr and reason in result.stderr, result.stderr


def test_each_instance_gets_its_own_macs_and_prefix():
    config = parse_lab_config(GOOD.replace("boot_timeout_s: 90", "boot_timeout_s: 90\n  instances: 3"), "lab.yaml")
    units = [config.instance(i) for i in range(config.instances)]
    assert [u.dut_mac for u in units] == ["52:54:00:12:34:56", "52:54:00:12:34:57", "52:54:00:12:34:58"]
    assert [u.tester.mac for u in units] == ["02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"]
    assert [u.tester.prefix for u in units] == ["2001:db8:1::/64", "2001:db8:1:1::/64", "2001:db8:1:2::/64"]
    with pytest.raises(ValueError):
        config.instance(3)


def test_instances_whose_macs_would_meet_are_refused():
    text = GOOD.replace("boot_timeout_s: 90", "boot_timeout_s: 90\n  instances: 4").replace(
        'mac: "02:00:00:00:00:01"', 'mac: "52:54:00:12:34:54"'
    )
    with pytest.raises(ConfigError) as caught:
        parse_lab_config(text, "lab.yaml")
    assert f"lab.yaml:{_line_of(text, 'instances: 4')}: dut.instances: 4 instances would give" in str(caught.value)


def test_a_labgrid_dut_names_a_place_or_tags_not_both():
    labgrid = (REPO / "lab_configs" / "labgrid-example.yaml").read_text()
    for text in (labgrid.replace("  tags: {board: refdut}\n", ""), labgrid.replace("  tags:", "  place: refdut-1\n  tags:")):
        with pytest.raises(ConfigError, match="give a place name or tags"):
            parse_lab_config(text, "lab.yaml")


@HOSTILE
@given(mutated_text([GOOD, (REPO / "lab_configs" / "bench-example.yaml").read_text()]))
def test_any_text_is_a_lab_config_or_a_config_error(text):
    config = typed(lambda: parse_lab_config(text, "lab.yaml"), ConfigError)
    assert config is None or isinstance(config.dut, (QemuDut, BenchDut, LabgridDut))
