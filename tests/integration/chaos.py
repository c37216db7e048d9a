"""A pytest plugin that injects lab faults into a running campaign, for the
chaos test: two tests in three that use the DUT get one, a short time into
the body, cycling through the ways a lab breaks; the third shows the DUT
recovered. Each injection is logged as one JSON line to $HARNESS_CHAOS_LOG
(test, fault, when injected, when the test body ended).

With $HARNESS_CHAOS_FILL (a file on the evidence disk: the chaos test
mounts a small tmpfs for the campaign) the faults include the evidence disk
filling up: the file grows until ENOSPC, and goes when the test ends.

The campaign is a sample: the first CASES_PER_MODULE cases of every test
module (what can go wrong after a revival lives in a module's and a suite's
fixtures, not in its later cases), so the test grows with modules, not cases.
The sample is written to $HARNESS_CHAOS_SELECTION, one node id per line.

Loaded with `-p tests.integration.chaos`; does nothing without the variable."""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

LOG_ENV = "HARNESS_CHAOS_LOG"
FILL_ENV = "HARNESS_CHAOS_FILL"
SELECTION_ENV = "HARNESS_CHAOS_SELECTION"
CASES_PER_MODULE = 2
FILL_CHUNK = b"\0" * (1 << 20)
# Into the test body, so the fault lands while it waits on the DUT; short,
# since many bodies now end within a fraction of a second (windows that end
# on the DUT's own events), and a fault after the body ends is no fault.
INJECTION_DELAY_S = 0.05


def _raising_peer(frame) -> None:
    raise ValueError("chaos: a peer that raises")


def _kill_qemu(dut) -> None:
    os.kill(dut.machine.pid, signal.SIGKILL)


def _close_console(dut) -> None:
    dut.machine.console._port.close()  # the socket goes away under the reader


def _close_link(dut) -> None:
    dut.machine.link._sock.close()


def _peer_raises(dut) -> None:
    dut.recorder.subscribe(_raising_peer)


def _fill_disk(dut) -> None:
    with open(os.environ[FILL_ENV], "ab") as filler:
        try:
            while True:
                filler.write(FILL_CHUNK)
                filler.flush()
        except OSError:
            pass  # full: every evidence write from now on fails


FAULTS = {"kill-qemu": _kill_qemu, "close-console": _close_console, "close-link": _close_link, "peer-raises": _peer_raises}
if os.environ.get(FILL_ENV):
    FAULTS["disk-full"] = _fill_disk
_turns = itertools.count()
_faults = itertools.cycle(FAULTS)


@pytest.hookimpl(tryfirst=True)  # before a resume deselects what is done: the same sample both times
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get(LOG_ENV):
        return
    taken: dict[Path, int] = {}
    keep, drop = [], []
    for item in items:
        if item.get_closest_marker("slow") is None and taken.get(item.path, 0) < CASES_PER_MODULE:
            taken[item.path] = taken.get(item.path, 0) + 1
            keep.append(item)
        else:
            drop.append(item)
    config.hook.pytest_deselected(items=drop)
    items[:] = keep
    if os.environ.get(SELECTION_ENV):
        Path(os.environ[SELECTION_ENV]).write_text("".join(f"{item.nodeid}\n" for item in keep), encoding="utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    dut = getattr(item, "funcargs", {}).get("dut")
    log = os.environ.get(LOG_ENV)
    if dut is None or not log or next(_turns) % 3 == 2:
        yield
        return
    name = next(_faults)
    recorder = dut.recorder
    injected: list[float] = []

    def inject() -> None:
        FAULTS[name](dut)
        injected.append(time.time())

    timer = threading.Timer(INJECTION_DELAY_S, inject)
    timer.start()
    try:
        yield
    finally:
        ended = time.time()
        timer.cancel()
        timer.join()
        if injected:
            with open(log, "a", encoding="utf-8") as out:
                out.write(json.dumps({"test": item.nodeid, "fault": name, "time": injected[0], "ended": ended}) + "\n")
        if name == "disk-full" and os.environ.get(FILL_ENV):  # the lab frees the disk
            Path(os.environ[FILL_ENV]).unlink(missing_ok=True)
        if name == "peer-raises":  # a peer that never heard a frame must not haunt the next test
            try:
                recorder.unsubscribe(_raising_peer)
            except ValueError:
                pass
