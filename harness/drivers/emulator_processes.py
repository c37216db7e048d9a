"""Starts and stops the emulated network and module (fixtures/cellular) as
child processes: each dies with the harness (PR_SET_PDEATHSIG, and its
stdin is a pipe whose closing ends it), reports its ports on one READY line
within a bound, and is watched so a crash is known at once."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from harness.config.models import Cellular, CellularClaims
from harness.errors import MachineError
from harness.process import die_with_parent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cellular"
READY_TIMEOUT_S = 20.0  # interpreter start and pycrate import on a loaded 2-core machine
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class EmulatorPorts:
    scpi: int
    radio: int
    pdn: int
    module_dut: int
    module_harness: int


class EmulatorProcess:
    def __init__(self, name: str, script: Path, config: dict, log: Path):
        self.name = name
        self.log = log
        self.stderr_path = log.with_suffix(".stderr")
        self._stopping = threading.Event()
        self.failure: str | None = None
        if not script.is_file():
            raise MachineError(f"emulated {name}: {script} not found (the emulators run from a checkout)")
        with self.stderr_path.open("ab") as stderr:
            try:
                self.process = subprocess.Popen(
                    [sys.executable, str(script), "--log", str(log)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, preexec_fn=die_with_parent,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            except OSError as exc:
                raise MachineError(f"emulated {name}: cannot start: {exc}") from exc
        try:
            # The config (with the USIM's secrets) goes through the pipe, not the command line.
            self.process.stdin.write(json.dumps(config).encode() + b"\n")
            self.process.stdin.flush()
        except OSError as exc:
            self.stop()
            raise MachineError(f"emulated {name}: cannot pass its config: {exc}; stderr:\n{self.stderr()}") from exc
        self.ports = self._ready()
        threading.Thread(target=self._watch, name=f"{name} watchdog", daemon=True).start()

    def _ready(self) -> dict:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT_S
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                self.stop()
                raise MachineError(f"emulated {self.name}: not ready within {READY_TIMEOUT_S} s; stderr:\n{self.stderr()}")
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.stop()
                raise MachineError(f"emulated {self.name} exited before it was ready; stderr:\n{self.stderr()}")
            line += chunk
        if not line.startswith(b"READY "):
            self.stop()
            raise MachineError(f"emulated {self.name}: unexpected first line {line!r}")
        return json.loads(line[6:])

    def _watch(self) -> None:
        status = self.process.wait()
        if not self._stopping.is_set():
            self.failure = f"emulated {self.name} exited unexpectedly (status {status}); stderr:\n{self.stderr()}"

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        self._stopping.set()
        try:
            self.process.stdin.close()  # its signal to exit
        except OSError:
            pass
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)


class CellularEmulators:
    """The emulated network, then the module that attaches through it."""

    def __init__(self, cellular: Cellular, claims: CellularClaims, workdir: Path, gsmtap_port: int, pdn_peer_port: int):
        workdir.mkdir(parents=True, exist_ok=True)
        self.user_plane_pcap = workdir / "pdn-user-plane.pcap"  # the network writes it beside its log
        usim = cellular.usim
        k, opc = usim.secret(usim.k).hex(), usim.secret(usim.opc).hex()
        cell = cellular.cell
        self.network = EmulatorProcess("network", FIXTURES / "network.py", {
            "rat": cell.rat, "mcc": cell.mcc, "mnc": cell.mnc, "band": cell.band, "apn": cell.apn,
            "ip_version": cell.ip_versions, "k": k, "opc": opc, "gsmtap_port": gsmtap_port,
            "pdn_peer_port": pdn_peer_port,
        }, workdir / "network.log")
        try:
            self.module = EmulatorProcess("module", FIXTURES / "module.py", {
                "usim": {"imsi": usim.imsi, "k": k, "opc": opc}, "imei": claims.imei,
                "software_version": claims.software_version, "rat": cell.rat,
                "radio_port": self.network.ports["radio"], "manufacturer": claims.module_manufacturer,
                "model": claims.module_model, "revision": claims.module_revision or f"{claims.module_model}-EMULATED",
                "faults": cellular.module_faults,
            }, workdir / "module.log")
        except BaseException:
            self.network.stop()
            raise
        self.ports = EmulatorPorts(self.network.ports["scpi"], self.network.ports["radio"], self.network.ports["pdn"],
                                   self.module.ports["dut"], self.module.ports["harness"])

    def failure(self) -> str | None:
        return self.network.failure or self.module.failure

    def stop(self) -> None:
        try:
            self.module.stop()
        finally:
            self.network.stop()
