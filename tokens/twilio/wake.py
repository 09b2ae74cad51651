"""Wake the enforcement worker at once when staff change who may be where.

`request_enforcement()` is called (after the transaction commits, so the
worker reads the change) by the signals of tokens/twilio/signals.py. With
Redis (`REDIS_URL`) it pushes onto a list the worker blocks on with BLPOP,
its sleep as the timeout: no polling. Without Redis it stamps
`WorkerLease.wake_requested_at`, which the worker reads every couple of
seconds while it sleeps. A wake that fails costs only time: the worker
looks anyway within TOKENSERVER_EVICTION_BOUND.
"""

import functools
import logging
import math
import threading
import time
from datetime import datetime

import redis
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from tokens.twilio.lease import NAME
from tokens.twilio.models import WorkerLease

logger = logging.getLogger(__name__)

KEY = "tokenserver:enforce_access:wake"
POLL_SECONDS = 2.0  # how often a sleeping worker without Redis reads the stamp


class Interrupted(Exception):
    """Raised by the stop signal's handler to end a blocking wait."""


def request_enforcement() -> None:
    """Ask the worker to look now, once the current transaction commits."""
    transaction.on_commit(_wake)


def _wake() -> None:
    if settings.REDIS_URL:
        try:
            client = _client(settings.REDIS_URL, settings.REDIS_TIMEOUT)
            pipeline = client.pipeline()
            pipeline.rpush(KEY, "1")
            pipeline.ltrim(KEY, 0, 99)  # wakes pile up while the worker is busy
            pipeline.execute()
        except redis.RedisError as error:
            logger.warning("could not wake the worker: %s", type(error).__name__)
        return
    try:
        WorkerLease.objects.filter(name=NAME).update(wake_requested_at=timezone.now())
    except DatabaseError as error:
        logger.warning("could not wake the worker: %s", type(error).__name__)


@functools.cache
def _client(url: str, timeout: float | None) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout or 5
    )


class Waiter:
    """Sleep up to a number of seconds, or until a wake or a stop comes."""

    def __init__(self, *, redis_url: str = "", longest: float = 60.0) -> None:
        self.redis_url = redis_url
        self.longest = longest  # no wait is longer: a socket timeout above it
        self.stopping = threading.Event()
        self.blocking = False  # in BLPOP: a stop must interrupt it
        self._seen = self._stamp() if not redis_url else None

    def stop(self) -> None:
        """From a signal handler: end the wait now, whichever kind."""
        self.stopping.set()
        if self.blocking:
            raise Interrupted

    def wait(self, seconds: float) -> bool:
        """True when woken by a request, False at the timeout or a stop."""
        if self.stopping.is_set() or seconds <= 0:
            return False
        if self.redis_url:
            try:
                return self._blpop(seconds)
            except redis.RedisError as error:
                logger.warning("waiting on Redis failed: %s", type(error).__name__)
        return self._poll(seconds)

    def _blpop(self, seconds: float) -> bool:
        client = _client(self.redis_url, self.longest + 5)
        try:
            self.blocking = True
            # Redis 6+ takes a decimal timeout; 0 would mean forever.
            found = client.blpop([KEY], timeout=max(0.01, seconds))
        except Interrupted:
            return False
        finally:
            self.blocking = False
        if found is None:
            return False
        client.delete(KEY)  # many requests, one pass
        return True

    def _poll(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set():
            stamp = self._stamp()
            if stamp is not None and (self._seen is None or stamp > self._seen):
                self._seen = stamp
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.stopping.wait(min(POLL_SECONDS, math.ceil(remaining * 100) / 100))
        return False

    @staticmethod
    def _stamp() -> datetime | None:
        try:
            return (
                WorkerLease.objects.filter(name=NAME)
                .values_list("wake_requested_at", flat=True)
                .first()
            )
        except DatabaseError:
            return None
