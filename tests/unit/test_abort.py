"""abandoned_when: the operation ends when its resource dies, not at its
timeout; end_stream: a blocked reader sees the end of its stream at once."""

import socket
import threading

from harness.abort import abandoned_when, end_stream


def test_the_operation_is_abandoned_once_with_the_reason_as_soon_as_its_resource_dies():
    dead = threading.Event()
    abandoned: list[str] = []
    ended = threading.Event()

    def abandon(reason: str) -> None:
        abandoned.append(reason)
        ended.set()

    with abandoned_when(lambda: "link died" if dead.is_set() else None, abandon, "test") as reasons:
        dead.set()
        assert ended.wait(5.0), "the watcher never called abandon"
    assert abandoned == ["link died"] and reasons == ["link died"]


def test_an_operation_whose_resource_lives_is_left_alone():
    abandoned: list[str] = []
    with abandoned_when(lambda: None, abandoned.append, "test") as reasons:
        pass
    assert abandoned == [] and reasons == []


def test_end_stream_wakes_a_reader_blocked_in_another_thread():
    near, far = socket.socketpair()
    with near, far:
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(near.recv(16)), daemon=True)
        reader.start()
        end_stream(near)
        reader.join(5.0)
        assert not reader.is_alive() and received == [b""]


def test_end_stream_leaves_an_unconnected_or_missing_socket_alone():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as unconnected:
        end_stream(unconnected)
    end_stream(None)
