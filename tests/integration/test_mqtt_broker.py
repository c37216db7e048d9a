"""The lab's MQTT platform, real mosquitto in a real host stack (on a link
with nothing at its other end: the clients run in the stack too): it
records each message with the listener it came through, its TLS listeners
take only clients that trust the lab CA and speak TLS 1.2 or later, and a
broker that dies ends a window at once, as a lab failure."""

from __future__ import annotations

import time

import pytest

from harness.drivers.hoststack import HostStack
from harness.drivers.lab_ca import make_lab_tls
from harness.drivers.link import FrameRecorder
from harness.drivers import mqtt_broker
from harness.drivers.mqtt_broker import CUT_MARK, MAX_RECORD_BYTES, BrokerError, BrokerListener, MqttBroker
from harness.lab.tester import TesterNode

ABROAD = "2001:db8:ffff::10"
CLIENT_TIMEOUT_S = 20.0


class NowhereLink:
    """A link whose frames go nowhere (recorded as sent)."""

    def __init__(self, recorder: FrameRecorder):
        self.recorder = recorder

    def send(self, data: bytes) -> None:
        self.recorder.record("tx", data)

    def close(self) -> None:
        pass


@pytest.fixture
def platform(tmp_path):
    recorder = FrameRecorder(tmp_path / "link.pcap")
    tester = TesterNode(NowhereLink(recorder), "02:00:00:00:00:01", "2001:db8:1::/64")
    home = str(tester.global_address)
    tls = make_lab_tls(tmp_path / "secrets", [home, ABROAD])
    listeners = [BrokerListener("platform", home, 1883, False), BrokerListener("platform", home, 8883, True),
                 BrokerListener("support", ABROAD, 8883, True)]
    with HostStack(tester) as stack:
        stack.add_address(ABROAD)
        broker = MqttBroker(stack, listeners, tls, tmp_path / "evidence")
        try:
            yield stack, broker, tls, home
        finally:
            broker.close()
    recorder.close()


def _publish(stack, tls, host: str, port: int, topic: str, *extra: str):
    argv = ["mosquitto_pub", "-h", host, "-p", str(port), "-t", topic, "-m", '{"v":1}', *extra]
    if port == 8883 and "--insecure" not in extra:
        argv += ["--cafile", str(tls.ca_certificate)]
    return stack.run(argv, CLIENT_TIMEOUT_S)


def test_each_message_is_recorded_with_the_listener_it_came_through(platform):
    stack, broker, tls, home = platform
    for host, port in ((home, 1883), (home, 8883), (ABROAD, 8883)):
        assert _publish(stack, tls, host, port, "unit/1/item").returncode == 0
    assert broker.wait_until(lambda messages: len(messages) == 3, CLIENT_TIMEOUT_S)
    seen = [(m.listener.endpoint, m.listener.port, m.listener.tls, m.topic) for m in broker.messages()]
    assert seen == [("platform", 1883, False, "unit/1/item"), ("platform", 8883, True, "unit/1/item"),
                    ("support", 8883, True, "unit/1/item")]
    assert "Received PUBLISH" in broker.log_path.read_text()
    assert broker.messages_path.read_text().count("unit/1/item") == 3


def test_tls_listeners_want_the_lab_ca_and_tls_1_2_or_later(platform):
    stack, broker, tls, home = platform
    untrusted = stack.run(["mosquitto_pub", "-h", home, "-p", "8883", "-t", "x", "-m", "1",
                           "--cafile", "/etc/ssl/certs/ca-certificates.crt"], CLIENT_TIMEOUT_S)
    assert untrusted.returncode != 0, "a client that does not trust the lab CA is refused"
    # The client is let down to security level 0, so the refusal is the broker's.
    old = stack.run(["openssl", "s_client", "-connect", f"[{home}]:8883", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                     "-CAfile", str(tls.ca_certificate)], CLIENT_TIMEOUT_S)
    assert old.returncode != 0 and "alert protocol version" in old.stderr, old.stderr[-2000:]
    current = stack.run(["openssl", "s_client", "-connect", f"[{home}]:8883", "-tls1_2", "-CAfile",
                         str(tls.ca_certificate), "-verify_return_error", "-verify_ip", home], CLIENT_TIMEOUT_S)
    assert current.returncode == 0 and "Verify return code: 0 (ok)" in current.stdout, current.stdout[-2000:]
    assert broker.messages() == []


def test_a_broker_that_dies_ends_the_window_at_once(platform):
    _, broker, _, _ = platform
    broker._broker.kill()
    started = time.monotonic()
    with pytest.raises(BrokerError, match="exited"):
        broker.wait_until(lambda messages: False, 300)
    assert time.monotonic() - started < 30, "the broker's death is reported when it happens, not at the bound"


def test_a_payload_past_the_record_limit_is_kept_cut_and_recording_goes_on(platform, tmp_path):
    stack, broker, tls, home = platform
    payload = tmp_path / "payload"
    payload.write_text("y" * (4 * MAX_RECORD_BYTES))
    big = stack.run(["mosquitto_pub", "-h", home, "-p", "1883", "-t", "unit/1/big", "-f", str(payload)],
                    CLIENT_TIMEOUT_S)
    assert big.returncode == 0, big.stderr
    assert _publish(stack, tls, home, 1883, "unit/1/after").returncode == 0
    assert broker.wait_until(lambda messages: len(messages) == 2, CLIENT_TIMEOUT_S)
    cut, after = broker.messages()
    assert cut.topic == "unit/1/big" and cut.payload.endswith(CUT_MARK) and len(cut.payload) < MAX_RECORD_BYTES
    assert after.topic == "unit/1/after" and broker.failure is None


@pytest.fixture
def two_kept(monkeypatch):
    monkeypatch.setattr(mqtt_broker, "MESSAGES_KEPT", 2)


def test_a_window_whose_first_messages_were_dropped_is_a_lab_error(two_kept, platform):
    stack, broker, tls, home = platform
    for index in range(3):
        assert _publish(stack, tls, home, 1883, f"unit/1/{index}").returncode == 0
    assert broker.wait_until(lambda messages: messages[-1:] and messages[-1].topic == "unit/1/2", CLIENT_TIMEOUT_S,
                             since=2)
    with pytest.raises(BrokerError, match="kept only its last 2 messages"):
        broker.messages(0)
    assert [m.topic for m in broker.messages(1)] == ["unit/1/1", "unit/1/2"]
