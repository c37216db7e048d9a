"""AP-SECID knowledge: nmap's XML report read into ports (a truncated or
unfinished report is the lab's error), undeclared ports, and the greetings
that give a cleartext login service away."""

from __future__ import annotations

import pytest

from harness.config.models import ExposedService
from harness.drivers.nmap import ScanError, parse_report, port_spec
from harness.values.ports import PortState, ScanResult
from harness.secid import (CredentialListError, backoff_shown, cleartext_greeting, component_differences,
                           credentials_to_try, parse_component_list, parse_credentials, sbom_components, undeclared,
                           weak_suites)

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


# -- logins, TLS, SBOM ---------------------------------------------------------

def test_lab_credentials_are_read_and_merged_with_the_builtin_list_once_each():
    lab = parse_credentials("# the lab's list\nroot:root\n\ntech:tech\nguest:\n", "lab.txt")
    assert lab == [("root", "root"), ("tech", "tech"), ("guest", "")]
    merged = credentials_to_try(lab)
    assert merged.count(("root", "root")) == 1 and merged[-2:] == [("tech", "tech"), ("guest", "")]
    with pytest.raises(CredentialListError, match="lab.txt:2: expected user:password"):
        parse_credentials("root:root\nnocolon\n", "lab.txt")


@pytest.mark.parametrize("durations, stopped, shown", [
    ([0.4] * 10, False, False),  # answered as fast at the end as at the start
    ([0.4] * 5, True, True),  # the source locked out after five
    ([0.4, 0.8, 1.2, 1.5], False, False),  # growing, but the last two not yet 4x the first
    ([0.4, 0.8, 1.6, 3.2, 6.4], False, True),
])
def test_backoff_is_a_lockout_or_failures_slowed_to_four_times_the_first(durations, stopped, shown):
    assert backoff_shown(durations, stopped) is shown


def test_weak_suites_are_the_broken_ones_and_those_without_forward_secrecy():
    suites = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
              "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA", "TLS_AES_128_GCM_SHA256"]
    assert weak_suites(suites) == suites[1:4]


def test_sbom_and_unit_components_are_compared_by_name_and_version():
    declared = sbom_components({"components": [{"name": "openssl", "version": "3.0.22"}, {"name": "zlib1g", "version": "1"}]})
    reported = parse_component_list(["openssl 3.0.11", "busybox-static 1:1.35.0", ""])
    assert component_differences(declared, reported) == [
        "busybox-static 1:1.35.0 runs on the unit, not in the SBOM", "zlib1g is in the SBOM, not on the unit",
        "openssl: SBOM 3.0.22, unit 3.0.11"]
