"""AP-SECID knowledge: nmap's XML report read into ports (a truncated or
unfinished report is the lab's error), undeclared ports, and the greetings
that give a cleartext login service away."""

from __future__ import annotations

import pytest

from harness.config.models import ExposedService
from harness.drivers.nmap import PortState, ScanError, ScanResult, parse_report, port_spec
from harness.secid import cleartext_greeting, undeclared

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -6 -sS -sU" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="user-set"/><address addr="2001:db8:1::5" addrtype="ipv6"/>
<ports><extraports state="closed" count="65533"><extrareasons reason="reset" count="65533" proto="tcp"/></extraports>
<port protocol="tcp" portid="23"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="telnet" method="table" conf="3"/></port>
<port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" method="table" conf="3"/></port>
<port protocol="udp" portid="546"><state state="open|filtered" reason="no-response" reason_ttl="0"/><service name="dhcpv6-client" method="table" conf="3"/></port>
</ports></host>
<runstats><finished time="1796104486" elapsed="12.5" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
"""


def test_report_lists_each_port_with_state_reason_and_service():
    assert parse_report(REPORT) == [
        PortState("tcp", 23, "open", "syn-ack", "telnet"),
        PortState("tcp", 80, "open", "syn-ack", "http"),
        PortState("udp", 546, "open|filtered", "no-response", "dhcpv6-client"),
    ]


@pytest.mark.parametrize("text", [REPORT[: len(REPORT) // 2], REPORT.replace('exit="success"', 'exit="error"'),
                                  "<other/>", ""], ids=["truncated", "failed", "not nmap", "empty"])
def test_a_report_that_is_not_a_finished_scan_is_a_scan_error(text):
    with pytest.raises(ScanError):
        parse_report(text)


def test_port_spec_adds_udp_only_when_asked():
    assert port_spec("1-65535", []) == ["-sS", "-p", "1-65535"]
    assert port_spec("1-65535", [53, 546]) == ["-sS", "-sU", "-p", "T:1-65535,U:53,546"]
    assert port_spec(None, [69, 161]) == ["-sU", "-p", "69,161"]


def test_a_recheck_replaces_what_it_saw_and_keeps_both_reports():
    first = ScanResult("2001:db8:1::5", parse_report(REPORT), [REPORT], 12.0)
    later = ScanResult("2001:db8:1::5", [PortState("udp", 546, "closed", "port-unreach", "dhcpv6-client")], ["<r/>"], 2.0)
    merged = first.rechecked(later)
    assert [(p.port, p.state) for p in merged.ports] == [(23, "open"), (80, "open"), (546, "closed")]
    assert merged.reports == [REPORT, "<r/>"] and merged.elapsed_s == 14.0


def test_undeclared_ports_are_those_the_declaration_does_not_name():
    opened = [port for port in parse_report(REPORT) if port.state == "open"]
    declared = [ExposedService(protocol="tcp", port=80, purpose="web"), ExposedService(protocol="udp", port=23, purpose="x")]
    assert [port.port for port in undeclared(opened, declared)] == [23]


@pytest.mark.parametrize("greeting, kind", [
    (b"\xff\xfd\x01\xff\xfd\x1f", "Telnet option negotiation (RFC 854)"),
    (b"220 (vsFTPd 3.0.3)\r\n", "an FTP greeting (RFC 959)"),
    (b"\r\nrefdut login: ", "a login prompt in clear"),
    (b"220 mail.example ESMTP\r\n", None),  # SMTP greets with 220 too
    (b"SSH-2.0-dropbear_2022.83\r\n", None),
    (b"", None),
])
def test_greetings_of_cleartext_login_services(greeting, kind):
    assert cleartext_greeting(greeting) == kind
