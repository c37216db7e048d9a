"""The lab's update server: plain HTTP on the tester's address (a socket of
the host stack), serving the files it is given and logging every request
(JSON lines) as evidence."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    files: dict[str, bytes]
    log: Path


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = self.server.files.get(self.path)
        status = 200 if body is not None else 404
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")
        with self.server.log.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"time": time.time(), "client": self.client_address[0], "path": self.path,
                                  "status": status, "bytes": len(body or b"")}) + "\n")

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the journal above is the log
        pass


class UpdateServer:
    def __init__(self, listening: socket.socket, log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        log.touch()  # evidence even of a unit that never asked
        self._server = _Server(listening.getsockname()[:2], _Handler, bind_and_activate=False)
        self._server.socket.close()
        self._server.socket = listening
        self._server.files, self._server.log = {}, log
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="update server", daemon=True)
        self._thread.start()

    def publish(self, path: str, content: bytes) -> None:
        self._server.files[path] = content

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
