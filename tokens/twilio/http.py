"""twilio-python's HTTP client with a timeout, an origin rewrite and retries.

Retries live here, below twilio-python, because only here are the status
and `Retry-After` of a failed answer still known: twilio-python turns a
failed list page into a bare TwilioException without either. Every call
tokens/twilio/rest.py makes is safe to repeat (GETs; a room create, whose
repeat meets 53113 and adopts the room; setting a status), so every
request is retried on 429, 5xx, a timeout or a lost connection.
"""

import logging
import random
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from tokens.errors import TwilioUnavailable
from tokens.twilio.conf import RestOptions

logger = logging.getLogger(__name__)
# twilio-python logs every request's URL, parameters and headers at INFO:
# its client gets a logger of its own that says only warnings and worse.
twilio_logger = logging.getLogger(f"{__name__}.twilio_python")
twilio_logger.setLevel(logging.WARNING)

BASE_DELAY = 0.25  # seconds before the first retry; doubled each time
MAX_DELAY = 4.0


def rewrite(url: str, base_url: str) -> str:
    """`url` sent to `base_url` instead of its own origin ("" keeps it)."""
    if not base_url:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url}{parts.path}{query}"


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def retry_after(response: Response | None) -> float | None:
    """Seconds asked for by a Retry-After header in seconds, if any."""
    value = (response.headers or {}).get("Retry-After") if response else None
    text = str(value or "").strip()
    return float(text) if text.isdigit() else None


def backoff(attempt: int, asked: float | None, jitter: Callable[[], float]) -> float:
    """The wait before retry number `attempt` (0-based): Twilio's Retry-After
    when it gives one, else exponential with full jitter."""
    if asked is not None:
        return asked
    return jitter() * min(MAX_DELAY, BASE_DELAY * 2**attempt)


class RoomsHttpClient(TwilioHttpClient):
    """Bounded, retried, and rewritten to TWILIO_API_BASE_URL when set."""

    def __init__(
        self,
        options: RestOptions,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(timeout=options.timeout, logger=twilio_logger)
        self.options = options
        self.sleep, self.jitter, self.clock = sleep, jitter, clock
        self._ends_at: float | None = None  # the deadline, from the first request

    def _left(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        if self.options.deadline is None:
            return None
        if self._ends_at is None:
            self._ends_at = self.clock() + self.options.deadline
        return self._ends_at - self.clock()

    def request(self, method, url, *args, **kwargs) -> Response:
        url = rewrite(url, self.options.base_url)
        where = f"{method.upper()} {urlsplit(url).path}"
        failure, wait = "no time left", 1.0
        for attempt in range(self.options.retries + 1):
            left = self._left()
            if left is not None:
                if left <= 0:
                    break
                kwargs["timeout"] = min(self.options.timeout, left)
            response, failure = self._attempt(method, url, args, kwargs)
            if failure is None and not is_retryable(response.status_code):
                return response
            failure = failure or f"status {response.status_code}"
            wait = backoff(attempt, retry_after(response), self.jitter)
            if self._gives_up(attempt, wait):
                break
            logger.warning("twilio %s: %s, retry in %.2f s", where, failure, wait)
            self.sleep(wait)
        logger.error("twilio %s: %s, giving up", where, failure)
        raise TwilioUnavailable(retry_after=max(1, round(wait)))

    def _gives_up(self, attempt: int, wait: float) -> bool:
        """No retry: the last one was made, or the wait is too long."""
        if attempt == self.options.retries or wait > self.options.max_retry_wait:
            return True
        left = self._left()
        return left is not None and wait >= left

    def _attempt(self, method, url, args, kwargs):
        """(response, None), or (None, what went wrong) without a response."""
        try:
            return super().request(method, url, *args, **kwargs), None
        except requests.Timeout:
            return None, "no answer in time"
        except requests.ConnectionError:
            return None, "connection failed"
