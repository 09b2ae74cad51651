"""A stand-in for Twilio's Video REST API v1, served on loopback for tests.

`TwilioVideoStandIn` owns the HTTP side and the test-facing controls:
it listens on 127.0.0.1 on a free port in a background thread, records every
request, checks it against Twilio's OpenAPI description (a mismatch is
answered 400 and kept in `violations`), applies the injected faults
(`faults`), checks HTTP Basic auth against the configured API key (or
account SID and auth token), and hands the rest to `VideoApi`. Tests make
clients connect and leave with `join` and `leave`, move time with `advance`,
and read the signed status callbacks in `callbacks`.

    with TwilioVideoStandIn() as twilio:
        client = twilio.client()  # a twilio.rest.Client pointed at it
        room = client.video.v1.rooms.create(unique_name="standup")
        twilio.join("standup", "alice")
"""

import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .openapi_check import check_request
from .twilio_http import standin_client
from .twilio_video_api import VideoApi
from .twilio_video_callbacks import CallbackSender
from .twilio_video_faults import KINDS, Faults
from .twilio_video_json import error_body
from .twilio_video_state import Participant, TwilioError, VideoState

ACCOUNT_SID = "AC" + "a1" * 16
API_KEY_SID = "SK" + "b2" * 16
API_SECRET = "stand-in-api-secret"
AUTH_TOKEN = "stand-in-auth-token"
UNAUTHORIZED = TwilioError(401, 20003, "Authenticate")
VIOLATION = 0  # not a Twilio code: the stand-in refusing what the spec forbids


@dataclass
class RecordedRequest:
    """A request as the stand-in received it, and how it was answered."""

    method: str
    path: str
    query: dict
    form: dict
    headers: dict
    problems: list = field(default_factory=list)
    fault: int | str | None = None
    status: int | None = None


class _Handler(BaseHTTPRequestHandler):
    standin: "TwilioVideoStandIn"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet test output
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def _serve(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        request = RecordedRequest(
            self.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            parse_qs(raw, keep_blank_values=True),
            dict(self.headers.items()),
        )
        answer = self.standin.answer(request)
        if answer is None:  # a hang: give no answer at all
            self.close_connection = True
            return
        status, body, headers = answer
        request.status = status
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


class TwilioVideoStandIn:
    """One fake Twilio Video account, answering on http://127.0.0.1:<port>."""

    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        api_key_sid: str = API_KEY_SID,
        api_secret: str = API_SECRET,
        auth_token: str = AUTH_TOKEN,
        link_origin: str | None = None,
    ):
        self.account_sid, self.api_key_sid = account_sid, api_key_sid
        self.api_secret, self.auth_token = api_secret, auth_token
        self.credentials = {api_key_sid: api_secret, account_sid: auth_token}
        self.link_origin = link_origin
        self.faults = Faults()
        self.sender = CallbackSender(auth_token, account_sid)
        self.state = VideoState(account_sid, self.sender.send)
        self.requests: list[RecordedRequest] = []
        self.violations: list[RecordedRequest] = []
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------
    def start(self) -> "TwilioVideoStandIn":
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.api = VideoApi(self.state, self.link_origin or self.origin)
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        thread.daemon = True
        thread.start()
        return self

    def stop(self) -> None:
        self.faults.stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.sender.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, timeout: float = 5, **kwargs):
        """A twilio.rest.Client with the API key, sending here."""
        return standin_client(self, timeout=timeout, **kwargs)

    # -- what the HTTP handler asks --------------------------------------
    def answer(self, request: RecordedRequest):
        """(status, body, headers) for a request, or None to hang."""
        self.requests.append(request)
        content_type = request.headers.get("Content-Type")
        request.problems = check_request(
            request.method, request.path, request.query, request.form, content_type
        )
        if request.problems:
            self.violations.append(request)
        if self.faults.delay:
            time.sleep(self.faults.delay)
        fault = self.faults.take(request.path)
        if fault is not None:
            request.fault = fault.kind
            if fault.kind == "hang":
                self.faults.wait_out_hang()
                return None
            headers = {"Retry-After": str(fault.retry_after)}
            return fault.kind, error_body(KINDS[fault.kind]), headers
        return self._authorized_answer(request)

    def _authorized_answer(self, request: RecordedRequest):
        user = _basic_auth(request.headers.get("Authorization"))
        if user is None or self.credentials.get(user[0]) != user[1]:
            headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            return 401, error_body(UNAUTHORIZED), headers
        if request.problems:
            message = "Not what Twilio's OpenAPI description allows: " + "; ".join(
                request.problems
            )
            return 400, error_body(TwilioError(400, VIOLATION, message)), {}
        status, body = self.api.handle(
            request.method, request.path, request.query, request.form
        )
        return status, body, {}

    # -- test-facing controls ---------------------------------------------
    def join(self, room: str, identity: str, *, wait: bool = True) -> Participant:
        """A client connects to the room (by name or SID), as the SDK would."""
        participant = self.state.join(room, identity)
        if wait:
            self.sender.flush()
        return participant

    def leave(self, room: str, who: str, *, wait: bool = True) -> Participant:
        """A client leaves the room (participant SID or connected identity)."""
        with self.state.lock:
            found = self.state.find_room(room)
            participant = self.state.find_participant(found, who)
            self.state.disconnect(found, participant)
        if wait:
            self.sender.flush()
        return participant

    def advance(self, seconds: float, *, wait: bool = True) -> None:
        """Move the stand-in's clock on and apply the timeouts now due."""
        self.state.clock.advance(seconds)
        self.state.expire()
        if wait:
            self.sender.flush()

    def room(self, sid_or_name: str):
        return self.state.find_room(sid_or_name)

    @property
    def callbacks(self):
        """Every status callback, sent or dropped, in the order of events."""
        return self.sender.deliveries

    def flush(self, timeout: float = 5) -> None:
        """Wait until the queued status callbacks have been delivered."""
        self.sender.flush(timeout)
