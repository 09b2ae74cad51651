"""Fault injection for the stand-in: the ways the real Twilio lets a client down.

Owns the switches only: answer 503 or 429 (with Retry-After), or hang without
answering, for the next N requests or for some seconds, optionally only for
requests whose path starts with a prefix; and a delay added to every answer.
A hang ends when the client gives up or the stand-in stops, never later.
"""

import threading
import time
from dataclasses import dataclass

from .twilio_video_state import TwilioError

KINDS = {
    503: TwilioError(503, 20503, "Service Unavailable"),
    429: TwilioError(429, 20429, "Too Many Requests"),
}


@dataclass
class Fault:
    kind: int | str  # 503, 429 or "hang"
    remaining: int | None  # requests still to spoil, None: until `until`
    until: float | None  # time.monotonic() after which it is over
    retry_after: int
    path_prefix: str


class Faults:
    """The active faults; `take` decides what the next request gets."""

    def __init__(self) -> None:
        self.delay = 0.0  # seconds added before every answer
        self.hang_seconds = 30.0  # how long a hang lasts at most
        self.stopped = threading.Event()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def _add(self, kind, count, seconds, retry_after, path_prefix) -> None:
        until = None if seconds is None else time.monotonic() + seconds
        if count is None and until is None:
            count = 1
        with self._lock:
            self._faults.append(Fault(kind, count, until, retry_after, path_prefix))

    def fail(self, status=503, *, count=None, seconds=None, retry_after=1, path=""):
        """Answer `status` (503 or 429) for `count` requests or `seconds`."""
        if status not in KINDS:
            raise ValueError(f"no fault for status {status}")
        self._add(status, count, seconds, retry_after, path)

    def hang(self, *, count=None, seconds=None, path=""):
        """Accept the request and never answer (until `hang_seconds`)."""
        self._add("hang", count, seconds, 0, path)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self.delay = 0.0

    def take(self, path: str) -> Fault | None:
        """The fault this request meets, if any, counting it down."""
        now = time.monotonic()
        with self._lock:
            self._faults = [f for f in self._faults if not _over(f, now)]
            for fault in self._faults:
                if path.startswith(fault.path_prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def wait_out_hang(self) -> None:
        self.stopped.wait(self.hang_seconds)


def _over(fault: Fault, now: float) -> bool:
    if fault.remaining is not None and fault.remaining <= 0:
        return True
    return fault.until is not None and now >= fault.until
