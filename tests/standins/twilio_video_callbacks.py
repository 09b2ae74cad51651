"""Send the status callbacks a real Twilio room sends, signed, in order.

Owns the callback's form fields (AccountSid, RoomSid, RoomName, RoomStatus,
RoomType, StatusCallbackEvent, Timestamp, SequenceNumber, Participant*,
RoomDuration), the `X-Twilio-Signature` made by twilio's own
`RequestValidator(auth_token).compute_signature(url, params)`, delivery from
one background thread (Twilio calls back asynchronously, so a REST call that
ends a room must not wait for the receiver), losing callbacks on request, and
the record of every delivery. The signature is over the room's StatusCallback
URL; `route` maps a public origin to the loopback one that really receives
(a TLS-terminating proxy in front of the app), and nothing is ever sent to a
host that is not loopback.
"""

import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from .twilio_video_state import Event

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Delivery:
    """One callback: what was signed and sent, and what came of it."""

    event: str
    url: str
    method: str
    params: dict
    signature: str
    dropped: bool = False
    status: int | None = None
    error: str | None = None


def event_params(event: Event, account_sid: str) -> dict:
    room = event.room
    stamp = event.timestamp
    params = {
        "AccountSid": account_sid,
        "RoomSid": room.sid,
        "RoomName": room.unique_name,
        "RoomStatus": event.room_status,
        "RoomType": room.settings["type"],
        "StatusCallbackEvent": event.name,
        "Timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{stamp.microsecond // 1000:03d}Z",
        "SequenceNumber": str(event.sequence),
    }
    if event.participant is not None:
        params["ParticipantSid"] = event.participant.sid
        params["ParticipantIdentity"] = event.participant.identity
        params["ParticipantStatus"] = event.participant_status
        if event.participant_duration is not None:
            params["ParticipantDuration"] = str(event.participant_duration)
    if event.room_duration is not None:
        params["RoomDuration"] = str(event.room_duration)
    return params


class CallbackSender:
    """Queue events and post them one at a time from a daemon thread."""

    def __init__(self, auth_token: str, account_sid: str, timeout: float = 5):
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.timeout = timeout
        self.route: dict[str, str] = {}
        self.drop_all = False
        self._drop_next = 0
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def drop_next(self, count: int = 1) -> None:
        """Lose the next `count` callbacks (recorded with dropped=True)."""
        self._drop_next += count

    def send(self, event: Event) -> None:
        """Queue the event's callback, if the room has a StatusCallback."""
        url = event.room.settings.get("status_callback")
        if not url:
            return
        method = event.room.settings.get("status_callback_method") or "POST"
        params = event_params(event, self.account_sid)
        if method == "GET":
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
            signed, params = self.validator.compute_signature(url, {}), {}
        else:
            signed = self.validator.compute_signature(url, params)
        delivery = Delivery(event.name, url, method, params, signed)
        if self.drop_all or self._drop_next:
            self._drop_next = max(0, self._drop_next - 1)
            delivery.dropped = True
        self.deliveries.append(delivery)
        if not delivery.dropped:
            self._queue.put(delivery)

    def resend(self, delivery: Delivery) -> Delivery:
        """Send the same callback again, as a Twilio retry or a replay."""
        again = Delivery(
            delivery.event,
            delivery.url,
            delivery.method,
            delivery.params,
            delivery.signature,
        )
        self.deliveries.append(again)
        self._queue.put(again)
        return again

    def flush(self, timeout: float = 5) -> None:
        """Wait until every queued callback has been delivered or failed."""
        done = threading.Event()
        self._queue.put(done)
        if not done.wait(timeout):
            raise TimeoutError("status callbacks still being delivered")

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=self.timeout + 1)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
            else:
                self._deliver(item)

    def _target(self, url: str) -> str:
        for public, local in self.route.items():
            if url.startswith(public.rstrip("/") + "/"):
                return local.rstrip("/") + url[len(public.rstrip("/")) :]
        return url

    def _deliver(self, delivery: Delivery) -> None:
        target = self._target(delivery.url)
        if urlsplit(target).hostname not in LOOPBACK:
            delivery.error = f"not sent: {target} is not on loopback"
            return
        post = delivery.method == "POST"
        body = urlencode(delivery.params).encode() if post else None
        request = urllib.request.Request(  # noqa: S310 - loopback checked above
            target, data=body, method=delivery.method
        )
        request.add_header("X-Twilio-Signature", delivery.signature)
        request.add_header("User-Agent", "TwilioProxy/1.1")
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                delivery.status = response.status
        except urllib.error.HTTPError as error:
            delivery.status = error.code
        except OSError as error:
            delivery.error = repr(error)
