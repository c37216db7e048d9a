"""The data window: the unit is pointed at the lab's MQTT platform (one
mosquitto broker in the host stack, TLS from a lab CA made here, a
listener at every declared destination) and publishes until every data
item of its inventory has arrived twice - so one whole round of its flows
lies inside the window - or the inventory's bound passes. The window's
frames (from the link's capture) and the broker's record are what the
AP-DATA cases judge."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import allure
import pytest

from harness.config.models import DataInventory, LabConfig
from harness.context import Dut
from harness.data.flows import Flow, opened_flows
from harness.data.inventory import item_of
from harness.drivers.console import run_command
from harness.drivers.hoststack import HostStack
from harness.drivers.lab_ca import make_lab_tls
from harness.drivers.mqtt_broker import BrokerListener, MqttBroker, ReceivedMessage
from harness.errors import HarnessError
from harness.lab.tester import TesterNode
from harness.verdict import nonconformant
from harness.lab.addressing import configure_unit

# Lab allowance, not a protocol timer: the unit's shell reading the lab CA and starting its client.
PROVISION_TIMEOUT_S = 30.0
SIGHTINGS = 2  # between two arrivals of one item lies a whole round of the unit's flows


@dataclass(frozen=True)
class Endpoint:
    name: str
    address: str
    region: str


@dataclass
class DataWindow:
    inventory: DataInventory
    endpoints: dict[str, Endpoint]
    listeners: list[BrokerListener]
    messages: list[ReceivedMessage]
    flows: list[Flow]
    complete: bool  # every item arrived SIGHTINGS times before the bound
    evidence: list[tuple[str, str]]  # (name, path) of the broker's log and record

    def attach(self) -> None:
        for name, path in self.evidence:
            allure.attach.file(path, name=name, attachment_type=allure.attachment_type.TEXT)


def _listeners(inventory: DataInventory, endpoints: dict[str, Endpoint]) -> list[BrokerListener]:
    wanted = {(d.endpoint, d.port, d.protocol == "mqtts") for item in inventory.items for d in item.destinations}
    return [BrokerListener(name, endpoints[name].address, port, tls) for name, port, tls in sorted(wanted)]


def _every_item_seen(inventory: DataInventory):
    def done(messages: list[ReceivedMessage]) -> bool:
        counts = {item.name: 0 for item in inventory.items}
        for message in messages:
            item = item_of(message.topic, inventory.items)
            if item is not None:
                counts[item.name] += 1
        return min(counts.values()) >= SIGHTINGS
    return done


@pytest.fixture(scope="module")
def data_window(campaign, dut: Dut, tester: TesterNode, lab_config: LabConfig) -> DataWindow | None:
    inventory, platform = lab_config.declaration.data, lab_config.data_platform
    if inventory is None:
        pytest.skip("the declaration has no data inventory")
    if platform is None:
        pytest.skip("the lab config has no data_platform to stand in for the unit's destinations")
    provision = lab_config.declaration.commands.provision_data
    if provision is None:
        pytest.skip("the DUT declares no provision_data command to point its data flows at the lab")
    if dut.console is None:
        raise HarnessError("the DUT has no console to provision its data flows through")
    if configure_unit(dut, tester) is None:
        return None
    evidence = campaign.suite_evidence("data")
    endpoints = {e.name: Endpoint(e.name, e.address or str(tester.global_address), e.region) for e in platform.endpoints}
    listeners = _listeners(inventory, endpoints)
    tls = make_lab_tls(campaign.lab_secrets("data-platform"), sorted({e.address for e in endpoints.values()}))
    evidence.mkdir(parents=True, exist_ok=True)
    shutil.copy(tls.ca_certificate, evidence / "lab-ca.pem")
    with HostStack(tester) as stack:
        for endpoint in endpoints.values():
            if endpoint.address != str(tester.global_address):
                stack.add_address(endpoint.address)
        broker = MqttBroker(stack, listeners, tls, evidence)
        try:
            since, first_frame = broker.mark(), dut.recorder.mark()
            words = " ".join(f"{e.name}={e.address}" for e in endpoints.values())
            run_command(dut.console, provision.format(ca=tls.ca_der_base64(), endpoints=words), PROVISION_TIMEOUT_S)
            complete = broker.wait_until(_every_item_seen(inventory), inventory.window_timeout_s, since,
                                         abort_if=lambda: dut.failure() or stack.failure)
            frames = dut.recorder.frames(first_frame)
            stop = lab_config.declaration.commands.stop_data
            if stop is not None:
                run_command(dut.console, stop, PROVISION_TIMEOUT_S)
        finally:
            broker.close()
    return DataWindow(inventory, endpoints, listeners, broker.messages(since), opened_flows(frames, dut.mac), complete,
                      [("broker.log", str(broker.log_path)), ("messages.jsonl", str(broker.messages_path))])


@pytest.fixture
def window(data_window: DataWindow | None) -> DataWindow:
    """The module's data window, attached to the case; a unit that formed
    no address had no window."""
    if data_window is None:
        nonconformant("RFC4862-5.5.3", "an address formed from the tester's prefix, to reach the lab's platform from",
                      "none formed")
    data_window.attach()
    return data_window
