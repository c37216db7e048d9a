"""AP-DATA, data classification and grading (GB/T 43697-2024): during one
data window, what the unit sends where must be what its data inventory
declares - every flow to a declared destination, every payload field
declared for its item, protected items over TLS 1.2 or later, no
undeclared personal information, nothing abroad that is not declared
cross-border - and the important-data catalogue the maker filed must be
valid, agree with the inventory, and be the one the unit reports."""

from __future__ import annotations

import pytest

from harness.data.important_data import CatalogueInvalid, inventory_differences, parse_catalogue, reported_differences
from harness.data.flows import Flow
from harness.data.inventory import item_of, payload_object, topic_matches, undeclared_fields
from harness.data.personal import find_personal
from harness.verdict import nonconformant

def _advise_unseen(window, observations) -> None:
    seen = {item.name for m in window.messages if (item := item_of(m.topic, window.inventory.items))}
    for item in window.inventory.items:
        if item.name not in seen:
            observations.advise("GBT43697-5", f"declared item {item.name!r} ({item.topic}) did not arrive during the window")
    if not window.complete:
        observations.advise("GBT43697-5", f"the window ended at its bound ({window.inventory.window_timeout_s} s) before every "
                             "item had arrived twice")

@pytest.mark.requirement("AP-DATA", "DATA-FLOWS")
def test_every_observed_flow_is_declared(window, observations):
    declared = {Flow(window.endpoints[d.endpoint].address, "tcp", d.port)
                for item in window.inventory.items for d in item.destinations}
    _advise_unseen(window, observations)
    extra = [flow for flow in window.flows if flow not in declared]
    if extra:
        nonconformant("DATA-FLOWS", "flows only to declared destinations: " + ", ".join(map(str, sorted(declared))),
                      "undeclared " + ", ".join(map(str, extra)))

@pytest.mark.requirement("AP-DATA", "GBT43697-5")
def test_every_payload_field_is_declared_for_its_item(window):
    problems = []
    for message in window.messages:
        item = item_of(message.topic, window.inventory.items)
        if item is None:
            problems.append(f"{message.topic!r} at {message.listener} is no declared item's topic")
            continue
        payload = payload_object(message.payload)
        if payload is None:
            problems.append(f"{item.name} on {message.topic!r}: payload is not a JSON object of declared fields")
            continue
        extra = undeclared_fields(payload, item)
        if extra:
            problems.append(f"{item.name} on {message.topic!r}: undeclared field(s) {', '.join(extra)}")
    if problems:
        nonconformant("GBT43697-5", "every message a declared item, every field declared for it",
                      "; ".join(sorted(set(problems))))

@pytest.mark.requirement("AP-DATA", "GBT43697-6")
def test_important_and_personal_data_travel_only_over_tls(window):
    """The broker's TLS listeners accept TLS 1.2 or later only, so a message
    that arrived through one travelled so protected."""
    problems = []
    for message in window.messages:
        item = item_of(message.topic, window.inventory.items)
        if item is None or message.listener.tls:
            continue
        protected = item.grade != "general" or item.personal
        if protected or item.encryption != "none":
            why = f"{item.grade}{', personal' if item.personal else ''} item, declared {item.encryption}"
            problems.append(f"{item.name} ({why}) arrived in clear at {message.listener}")
    for item in window.inventory.items:
        if (item.grade != "general" or item.personal) and item.encryption == "none":
            problems.append(f"{item.name} is {item.grade}{', personal' if item.personal else ''} "
                            "but declared without encryption")
    if problems:
        nonconformant("GBT43697-6", "important, core and personal data only over TLS 1.2+ (or TLCP), "
                                    "every item as encrypted as declared", "; ".join(sorted(set(problems))))

@pytest.mark.requirement("AP-DATA", "DATA-PII")
def test_no_undeclared_personal_information(window):
    found = []
    for message in window.messages:
        item = item_of(message.topic, window.inventory.items)
        if item is not None and item.personal:
            continue
        payload = payload_object(message.payload) or {"payload": message.payload}
        for finding in find_personal(payload):
            found.append(f"{item.name if item else message.topic} (not declared personal): {finding}")
    if found:
        nonconformant("DATA-PII", "personal information only in items declared personal", "; ".join(sorted(set(found))))

@pytest.mark.requirement("AP-DATA", "DATA-BORDER")
def test_no_undeclared_cross_border_destination(window):
    home = window.inventory.home_region
    abroad = []
    for message in window.messages:
        endpoint = window.endpoints[message.listener.endpoint]
        if endpoint.region == home:
            continue
        item = item_of(message.topic, window.inventory.items)
        if item is None or not item.cross_border:
            name = item.name if item else repr(message.topic)
            abroad.append(f"{name} (not declared cross-border) at {message.listener}, region {endpoint.region}")
    if abroad:
        nonconformant("DATA-BORDER", f"only items declared cross-border leave {home}", "; ".join(sorted(set(abroad))))

@pytest.mark.requirement("AP-DATA", "DATA-CATALOGUE")
def test_important_data_catalogue_is_filed_and_consistent(window, lab_config):
    inventory = window.inventory
    if inventory.catalogue is None:
        graded = [item.name for item in inventory.items if item.grade != "general"]
        if graded:
            nonconformant("DATA-CATALOGUE", "an important-data catalogue filed for " + ", ".join(graded), "none declared")
        pytest.skip("no important or core data, no catalogue to file")
    try:
        filed = parse_catalogue(inventory.catalogue.read_bytes())
    except CatalogueInvalid as exc:
        nonconformant("DATA-CATALOGUE", f"{inventory.catalogue.name} follows the catalogue schema", str(exc))
    differences = inventory_differences(filed, inventory, lab_config.declaration.model)
    if differences:
        nonconformant("DATA-CATALOGUE", "the filed catalogue agrees with the inventory", "; ".join(differences))
    if inventory.catalogue_topic is None:
        return
    reports = [m for m in window.messages if topic_matches(inventory.catalogue_topic, m.topic)]
    if not reports:
        nonconformant("DATA-CATALOGUE", f"the unit reports its catalogue on {inventory.catalogue_topic}", "no report")
    for report in reports:
        try:
            reported = parse_catalogue(report.payload)
        except CatalogueInvalid as exc:
            nonconformant("DATA-CATALOGUE", "the reported catalogue follows the schema", f"{report.topic}: {exc}")
        differences = reported_differences(filed, reported)
        if differences:
            nonconformant("DATA-CATALOGUE", f"the catalogue the unit reports is the one filed ({filed.filing_code})",
                          f"{report.topic} at {report.time}: " + "; ".join(differences))
