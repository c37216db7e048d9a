"""AP-DATA knowledge: topic matching, personal-information detection, the
flows a unit opened, and the important-data catalogue's checks."""

from __future__ import annotations

import json

import pytest
from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from harness.config import load_lab_config
from harness.data.important_data import CatalogueInvalid, inventory_differences, parse_catalogue, reported_differences
from harness.data.flows import Flow, opened_flows
from harness.data.inventory import item_of, payload_object, topic_matches, undeclared_fields
from harness.data.personal import find_personal
from harness.values.frames import Frame

UNIT_MAC = "52:54:00:12:34:56"


@pytest.fixture(scope="module")
def inventory(repo):
    return load_lab_config(repo / "lab_configs" / "qemu-x86_64.yaml").declaration.data


@pytest.mark.parametrize("topic_filter, topic, matches", [
    ("refdut/+/meter", "refdut/5254/meter", True),
    ("refdut/+/meter", "refdut/5254/meter/x", False),
    ("refdut/#", "refdut", True),  # MQTT 4.7.1.2: # also matches the parent level
    ("refdut/#", "refdut/a/b", True),
    ("refdut/+", "refdut", False),
    ("a/b", "a/c", False),
])
def test_topic_filters_follow_mqtt_wildcards(topic_filter, topic, matches):
    assert topic_matches(topic_filter, topic) is matches


def test_a_message_is_the_item_its_topic_names_and_its_extra_fields_are_found(inventory):
    meter = item_of("refdut/5254/meter", inventory.items)
    assert meter.name == "meter" and item_of("refdut/5254/firmware-dump", inventory.items) is None
    payload = payload_object('{"energy_kwh": 1, "debug_raw": "x"}')
    assert undeclared_fields(payload, meter) == ["debug_raw"]
    assert payload_object("[1, 2]") is None and payload_object("not json") is None


def test_personal_information_is_found_by_check_digit_number_and_precision():
    found = find_personal({"tag": "11010519491231002X", "bad": "110105194912310021", "note": "call +86 13800138000",
                           "pos": {"lat": 31.2304, "lon": 121.47}, "coarse": {"lat": 31.2}, "text": "at 31.23041,121.47370"})
    kinds = {(f.field, f.kind) for f in found}
    assert ("tag", "resident identity number (valid check digit)") in kinds
    assert not any(f.field == "bad" for f in found), "a wrong check digit is no resident ID number"
    assert ("note", "mobile number") in kinds
    assert ("pos.lat", "precise coordinate") in kinds and not any(f.field in ("pos.lon", "coarse.lat") for f in found)
    assert ("text", "precise coordinate pair") in kinds
    assert "0021" not in str(found) and all("19491231" not in f.shown for f in found), "values are masked"


def _frame(index: int, packet) -> Frame:
    return Frame(index, 0.0, "rx", bytes(packet))


def test_opened_flows_are_syns_and_datagrams_beyond_the_link():
    unit = Ether(src=UNIT_MAC, dst="02:00:00:00:00:01")
    frames = [
        _frame(0, unit / IPv6(src="2001:db8:1::5", dst="2001:db8:1::1") / TCP(dport=8883, flags="S")),
        _frame(1, unit / IPv6(src="2001:db8:1::5", dst="2001:db8:1::1") / TCP(dport=8883, flags="A")),
        _frame(2, unit / IPv6(src="2001:db8:1::5", dst="2001:db8:1::1") / TCP(sport=80, dport=40000, flags="SA")),
        _frame(3, unit / IPv6(src="2001:db8:1::5", dst="2001:db8:ffff::10") / UDP(dport=5683)),
        _frame(4, unit / IPv6(src="fe80::1", dst="ff02::1:2") / UDP(dport=547)),
        _frame(5, Ether(src="02:00:00:00:00:01") / IPv6(src="2001:db8:1::1", dst="2001:db8:1::5") / TCP(dport=80, flags="S")),
        Frame(6, 0.0, "rx", b"\x00" * 20),
    ]
    assert opened_flows(frames, UNIT_MAC) == [Flow("2001:db8:1::1", "tcp", 8883), Flow("2001:db8:ffff::10", "udp", 5683)]


def test_the_reference_catalogue_agrees_with_the_inventory(inventory):
    filed = parse_catalogue(inventory.catalogue.read_text())
    assert inventory_differences(filed, inventory, "REFDUT-1") == []
    assert reported_differences(filed, filed) == []


def test_catalogue_problems_are_named(inventory):
    text = inventory.catalogue.read_text()
    with pytest.raises(CatalogueInvalid, match="items.0.grade"):
        parse_catalogue(text.replace('"grade": "important"', '"grade": "secret"'))
    with pytest.raises(CatalogueInvalid):
        parse_catalogue("{not json")
    document = json.loads(text)
    document["items"][0]["fields"].append("serial")
    document["filing_code"] = "DC-OLD"
    changed = parse_catalogue(json.dumps(document))
    assert any("fields" in d for d in inventory_differences(changed, inventory, "REFDUT-1"))
    assert "'meter' of the inventory is not in the catalogue" in " ".join(
        inventory_differences(changed.model_copy(update={"items": []}), inventory, "REFDUT-1"))
    reported = reported_differences(parse_catalogue(text), changed)
    assert any("filing code 'DC-OLD'" in d for d in reported) and any("'meter' differs" in d for d in reported)
