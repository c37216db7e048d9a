"""AP-SECID, the unit's TLS services (EN 303 645 5.5-1): each declared one
offers TLS 1.2 or later only, no broken or non-forward-secret suites, and a
certificate chain that validates against the maker's CA for the declared
name. sslyze from the host stack; its JSON report is the evidence."""

from __future__ import annotations

import allure
import pytest

from harness.drivers.sslyze_scan import scan_tls
from harness.values.tls import TlsScan
from harness.errors import HarnessError
from harness.secid import ACCEPTABLE_PROTOCOLS, weak_suites
from harness.verdict import nonconformant

# Lab allowance, not a protocol timer: every version and suite against a
# single-threaded server under software emulation.
SCAN_ALLOWANCE_S = 600.0


@pytest.fixture(scope="module")
def tls_scans(campaign, _unit_on_stack, lab_config) -> dict[int, TlsScan]:
    services = [service for service in lab_config.declaration.services if service.tls]
    if not services:
        pytest.skip("the declaration names no TLS service")
    unit, trust = _unit_on_stack, lab_config.declaration.tls_trust
    address = unit.address
    if address is None:
        return {}  # the case's `unit` fixture judges that
    scans = {service.port: scan_tls(unit.stack, str(address), service.port, trust.server_name, trust.ca,
                                    SCAN_ALLOWANCE_S) for service in services}
    cause = unit.dut.failure()
    if cause:
        raise HarnessError(f"DUT lost during the TLS scan: {cause}")
    evidence = campaign.suite_evidence("secid")
    evidence.mkdir(parents=True, exist_ok=True)
    for port, scan in scans.items():
        (evidence / f"sslyze-{port}.json").write_text(scan.report)
    return scans


@pytest.mark.requirement("AP-SECID", "EN303645-5.5-1")
def test_tls_services_offer_only_tls12_or_later_strong_suites_and_a_valid_chain(unit, tls_scans):
    problems = []
    for port, scan in sorted(tls_scans.items()):
        allure.attach(scan.report, name=f"sslyze-{port}.json", attachment_type=allure.attachment_type.JSON)
        for protocol, suites in scan.accepted.items():
            if suites and protocol not in ACCEPTABLE_PROTOCOLS:
                problems.append(f"tcp/{port} accepts {protocol} ({len(suites)} suites, e.g. {suites[0]})")
            weak = weak_suites(suites)
            if weak:
                problems.append(f"tcp/{port} {protocol} accepts weak suites {', '.join(weak)}")
        if not any(scan.accepted.get(protocol) for protocol in ACCEPTABLE_PROTOCOLS):
            problems.append(f"tcp/{port} accepts neither TLS 1.2 nor TLS 1.3")
        if not scan.chain_valid:
            problems.append(f"tcp/{port} certificate chain does not validate: {scan.chain_error}")
    if problems:
        nonconformant("EN303645-5.5-1", "TLS 1.2 or 1.3 only, strong forward-secret suites, a chain valid for the "
                                        "declared name under the maker's CA", "; ".join(problems))
