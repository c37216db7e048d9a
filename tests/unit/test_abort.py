"""abandoned_when: the operation ends when its resource dies, not at its timeout."""

import threading

from harness.abort import abandoned_when


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
