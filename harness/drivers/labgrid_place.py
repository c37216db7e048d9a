"""A place of a labgrid lab: reserved by tags (or named), acquired, watched,
always released. Talks to the coordinator over its gRPC protocol (labgrid
26.0.1's stub and messages, through its ClientSession for the place and
resource updates); every call is bounded. A coordinator, exporter or lock
that goes away is a MachineError: the lab's fault, never the DUT's.

labgrid's locks have no lease, so a crashed run would keep a place: the
machine releases in a `finally`, and a reservation is always cancelled."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from harness.errors import MachineError

COORDINATOR_CALL_TIMEOUT_S = 30.0
# The coordinator pushes place and resource updates, but not allocations:
# a reservation is polled. It allocates on every change and every 15 s.
RESERVATION_POLL_S = 1.0
DEFAULT_PORT = 20408


@dataclass(frozen=True)
class ExportedResource:
    name: str
    cls: str
    args: dict[str, Any]


def _labgrid() -> tuple[Any, Any, Any]:
    try:
        from labgrid.remote.client import ClientSession
        from labgrid.remote.generated import labgrid_coordinator_pb2
        from labgrid.util.proxy import proxymanager
    except ImportError as exc:
        raise MachineError(f"labgrid is not installed ({exc}): pip install 'iot-conformance-harness[labgrid]'") from None
    return ClientSession, labgrid_coordinator_pb2, proxymanager


class LabgridPlace:
    def __init__(self, coordinator: str, place: str | None, tags: dict[str, str], acquire_timeout_s: float):
        self.coordinator = coordinator
        self.name = place
        self.tags = tags
        self.acquire_timeout_s = acquire_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: Any = None
        self._token: str | None = None
        self._acquired = False

    # -- calls -----------------------------------------------------------------
    def _run(self, awaitable: Any, what: str, timeout: float = COORDINATOR_CALL_TIMEOUT_S) -> Any:
        if self._loop is None:
            raise MachineError(f"labgrid: {what}: no coordinator session")
        try:
            return self._loop.run_until_complete(asyncio.wait_for(awaitable, timeout))
        except asyncio.TimeoutError:
            raise MachineError(f"labgrid coordinator {self.coordinator}: {what} took over {timeout:.0f} s") from None
        except MachineError:
            raise
        except Exception as exc:  # grpc errors, labgrid's UserError/ServerError
            details = exc.details() if hasattr(exc, "details") else str(exc)
            raise MachineError(f"labgrid coordinator {self.coordinator}: {what} failed: {details}") from exc

    def _sync(self) -> None:
        self._run(self._session.sync_with_coordinator(), "sync")
        if self._session.stopping.is_set():
            raise MachineError(f"labgrid coordinator {self.coordinator}: connection lost")

    # -- lifecycle ---------------------------------------------------------------
    def acquire(self) -> list[ExportedResource]:
        """Reserve (by tags) and acquire the place; its exported resources."""
        ClientSession, pb, proxymanager = _labgrid()
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)  # grpc.aio binds its channel to the current loop
        address = proxymanager.get_grpc_address(self.coordinator, default_port=DEFAULT_PORT)
        self._session = ClientSession(address, self._loop)
        self._run(self._session.start(), "connect")
        if self.tags:
            self.name = self._reserve(pb)
        if self.name not in self._session.places:
            raise MachineError(f"labgrid: no place {self.name!r} on {self.coordinator}")
        self._run(self._session.stub.AcquirePlace(pb.AcquirePlaceRequest(placename=self.name)), f"acquire {self.name}")
        self._acquired = True
        self._sync()
        return self.resources()

    def _reserve(self, pb: Any) -> str:
        request = pb.CreateReservationRequest(filters={"main": pb.Reservation.Filter(filter=self.tags)}, prio=0.0)
        response = self._run(self._session.stub.CreateReservation(request), f"reserve {self.tags}")
        self._token = response.reservation.token
        deadline = time.monotonic() + self.acquire_timeout_s
        while True:
            polled = self._run(self._session.stub.PollReservation(pb.PollReservationRequest(token=self._token)), "poll reservation")
            allocated = polled.reservation.allocations.get("main")  # filter name -> place name
            if allocated:
                return allocated
            if time.monotonic() >= deadline:
                raise MachineError(f"labgrid: no place with tags {self.tags} free within {self.acquire_timeout_s:.0f} s")
            self._run(asyncio.sleep(RESERVATION_POLL_S), "wait for an allocation")  # the coordinator has no push for it

    def resources(self) -> list[ExportedResource]:
        place = self._session.places.get(self.name)
        if place is None:
            raise MachineError(f"labgrid: place {self.name} is gone from the coordinator")
        try:
            entries = self._session.get_target_resources(place)
        except Exception as exc:  # ServerError: an orphaned resource (exporter offline)
            raise MachineError(f"labgrid place {self.name}: {exc}") from exc
        return [ExportedResource(name, cls, dict(entry.args)) for (name, cls), entry in entries.items()]

    def failure(self) -> str | None:
        """Why the place cannot serve the next test: a lost lock, an offline exporter, a gone coordinator."""
        if not self._acquired:
            return None
        try:
            self._sync()
            place = self._session.places.get(self.name)
            holder = f"{self._session.gethostname()}/{self._session.getuser()}"
            if place is None or place.acquired != holder:
                held = place.acquired if place is not None else "nobody (place gone)"
                return f"labgrid place {self.name}: lock lost (now held by {held})"
            self.resources()  # an exporter gone offline leaves orphaned resources: raises
        except MachineError as exc:
            return str(exc)
        return None

    def release(self) -> None:
        """Release the place and cancel the reservation, whatever happened before."""
        if self._loop is None:
            return
        _, pb, _ = _labgrid()
        problems = []
        try:
            if self._acquired:
                self._run(self._session.stub.ReleasePlace(pb.ReleasePlaceRequest(placename=self.name)), f"release {self.name}")
        except MachineError as exc:
            problems.append(str(exc))
        finally:
            self._acquired = False
            try:
                if self._token:
                    self._run(self._session.stub.CancelReservation(pb.CancelReservationRequest(token=self._token)), "cancel")
            except MachineError as exc:
                problems.append(str(exc))
            finally:
                self._token = None
                self._close_session()
        if problems:
            raise MachineError("; ".join(problems))

    def _close_session(self) -> None:
        try:
            self._run(self._session.stop(), "disconnect", timeout=5)
            self._run(self._session.close(), "close", timeout=5)
        except MachineError:
            pass  # the coordinator may be gone: nothing left to tell it
        finally:
            self._loop.close()
            self._loop = None
