"""The cellular lab end to end: the reference DUT's connection manager
attaches through the emulated module and network; the callbox driver reads
the attach state and the UE's IPv6 address through pyvisa; the DUT has a
global address from the PGW's prefix with the network's interface
identifier; the NAS trace holds the whole attach, Wireshark's dissector
(tshark) reads it, and the evidence never shows the USIM's secrets."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from harness.cellular.at_responses import parse_cgpaddr
from harness.cellular.trace import read_nas_trace
from harness.cellular_lab import open_cellular_lab
from harness.config import load_lab_config
from harness.drivers.console import run_command
from harness.drivers.link import FrameRecorder
from harness.drivers.qemu import QemuMachine
from harness.drivers.tshark import disagreements, tshark_rows

ATTACH_SEQUENCE = ["Attach Request", "Authentication Request", "Authentication Response", "Security Mode Command",
                   "Security Mode Complete", "Attach Accept", "Attach Complete"]
PGW_PREFIX = ipaddress.IPv6Network("2001:db8:cafe:1::/64")  # fixtures/cellular/network.py's default
ATTACH_WAIT_S = 120.0  # boot under TCG, then the connection manager's attach
SLAAC_WAIT_S = 30  # DAD, RS and the PGW's RA, seconds the DUT-side loop allows


CAT1_LAB = Path(__file__).resolve().parents[2] / "lab_configs" / "qemu-x86_64.yaml"


@pytest.fixture
def attached(tmp_path, refdut_image):
    config = load_lab_config(CAT1_LAB)
    lab = open_cellular_lab(config, tmp_path / "cellular")
    recorder = FrameRecorder(tmp_path / "link.pcap")
    machine = QemuMachine(config.dut, tmp_path / "run", recorder, cellular=lab.wiring)
    try:
        machine.start()
        yield config, lab, machine
    finally:
        machine.stop()
        recorder.close()
        lab.close()


def test_reference_dut_attaches_and_configures_ipv6_on_the_pdn(attached, tmp_path):
    config, lab, machine = attached
    complete = lab.trace.wait_for(lambda m: m.name == "Attach Complete", ATTACH_WAIT_S)
    assert complete is not None, f"no Attach Complete; module log:\n{(tmp_path / 'cellular/module.log').read_text()[-2000:]}"
    request = lab.trace.wait_for(lambda m: m.name == "Attach Request", 0)
    switched_on = next(float(line.split()[0]) for line in (tmp_path / "cellular/module.log").read_text().splitlines()
                       if line.endswith("dut > AT+CFUN=1"))
    print(f"attach time: +CFUN=1 to Attach Complete {complete.time - switched_on:.3f} s, "
          f"Attach Request to Attach Complete {complete.time - request.time:.3f} s")

    assert lab.callbox.attach_state() == "attached"
    info = lab.callbox.ue_info()
    assert info.imsi == config.cellular.usim.imsi
    assert info.ipv6 is not None and info.ipv6 in PGW_PREFIX, info

    # The DUT's own stack: SLAAC from the PGW's RA with the network's identifier.
    wait = (f"for i in $(seq {SLAAC_WAIT_S}); do ip -6 addr show dev eth1 scope global | grep -q {info.ipv6} && break;"
            " sleep 1; done; ip -6 addr show dev eth1")
    shown = run_command(machine.console, wait, timeout=SLAAC_WAIT_S + 10).output
    assert str(info.ipv6) in shown, shown
    link_local = ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + info.ipv6.packed[8:])
    assert f"{link_local}/64 scope link" in shown, shown  # RFC 7066 2: the network's identifier, not the MAC's

    # The module agrees (+CGPADDR, IPv6 as 16 dotted octets), read through the AT channel.
    addresses = parse_cgpaddr(lab.modem.command("AT+CGPADDR=1").lines[0])
    assert addresses.ipv6 == info.ipv6

    traced = [m.message for m in read_nas_trace(lab.trace.pcap_path)]
    assert disagreements(traced, tshark_rows(lab.trace.pcap_path)) == []  # Wireshark reads the same attach
    names = [message.name for message in traced]
    positions = [names.index(name) for name in ATTACH_SEQUENCE]
    assert positions == sorted(positions), names


def test_the_usim_secrets_stay_out_of_the_evidence(attached, tmp_path):
    config, lab, machine = attached
    assert lab.trace.wait_for(lambda m: m.name == "Attach Complete", ATTACH_WAIT_S) is not None
    lab.modem.command("AT+CGSN")
    lab.callbox.ue_info()
    usim = config.cellular.usim
    for path in (tmp_path / "cellular").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (usim.k, usim.opc):
                assert secret.encode() not in data and bytes.fromhex(secret) not in data, path
