"""Ending a lab operation as soon as a resource it depends on dies (the DUT,
its link), instead of at the operation's timeout."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

# How often the watcher asks: a lab check, not a protocol timer.
FAILURE_CHECK_S = 0.1


def end_stream(sock: socket.socket | None) -> None:
    """Its reads, in any thread, see the end of the stream at once; a socket
    not connected (yet, or any more) is left as it is."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


@contextmanager
def abandoned_when(cause: Callable[[], str | None], abandon: Callable[[str], None], name: str) -> Iterator[list[str]]:
    """While the block runs, a watcher thread calls `abandon(reason)` once, as
    soon as `cause()` names a reason. Yields the list the reason is put in, so
    the block can say why its operation ended early."""
    reasons: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(FAILURE_CHECK_S):
            reason = cause()
            if reason is not None:
                reasons.append(reason)
                abandon(reason)
                return

    watcher = threading.Thread(target=watch, name=f"abandon {name}", daemon=True)
    watcher.start()
    try:
        yield reasons
    finally:
        done.set()
        watcher.join()
