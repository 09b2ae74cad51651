"""A loopback HTTP server that records the status callbacks it receives.

Owns nothing but receiving: each request's method, path, headers and form
are kept in `received`, and it answers `status` (204 by default). Tests use
it where the app's webhook will be, to see what the stand-in Twilio sends.
"""

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    method: str
    path: str  # with its query string
    headers: dict
    form: dict  # a callback has each field once


class _Handler(BaseHTTPRequestHandler):
    receiver: "CallbackReceiver"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet test output
        pass

    def do_GET(self):
        self._receive()

    def do_POST(self):
        self._receive()

    def _receive(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        form = dict(parse_qsl(body or urlsplit(self.path).query))
        received = Received(self.command, self.path, dict(self.headers), form)
        self.receiver.received.append(received)
        self.send_response(self.receiver.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class CallbackReceiver:
    """Listen on 127.0.0.1:<free port>; `url(path)` is where to point Twilio."""

    def __init__(self, status: int = 204):
        self.status = status
        self.received: list[Received] = []
        handler = type("Handler", (_Handler,), {"receiver": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        ).start()

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/webhooks/twilio/video") -> str:
        return self.origin + path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
