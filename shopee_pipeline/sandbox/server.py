"""The HTTP side: a ``ThreadingHTTPServer`` whose handler routes ``/_sandbox/`` to the control endpoints
and everything else to the engine."""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .control import ControlError, handle_control
from .engine import Answer, SandboxEngine
from .gateway import ApiRequest


class SandboxHTTPServer(ThreadingHTTPServer):
    """Threaded loopback server bound to one engine."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: SandboxEngine) -> None:
        super().__init__(address, _Handler)
        self.engine = engine


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        """Disable Nagle's algorithm: headers and body are separate writes on a kept-alive connection."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log lines."""

    def do_GET(self) -> None:
        """Answer a GET."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Answer a POST."""
        self._handle("POST")

    def do_PUT(self) -> None:
        """Answer a PUT (always a wrong method)."""
        self._handle("PUT")

    def do_DELETE(self) -> None:
        """Answer a DELETE (always a wrong method)."""
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if parts.path.startswith("/_sandbox/"):
            try:
                payload = handle_control(self.server.engine, method, parts.path, body)
                self._send(Answer(200, json.dumps(payload).encode("utf-8")))
            except ControlError as exc:
                self._send(Answer(exc.status, json.dumps({"error": str(exc)}).encode("utf-8")))
            return
        parsed = parse_qs(parts.query, keep_blank_values=True)
        query = {k: v[0] for k, v in parsed.items()}
        repeated = {k: v for k, v in parsed.items() if len(v) > 1}
        answer = self.server.engine.answer(ApiRequest(method, parts.path, query, body, repeated=repeated))
        if answer.drop:
            self.close_connection = True
            return
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.location is not None:
            self.send_header("Location", answer.location)
        self.end_headers()
        self.wfile.write(answer.body)
