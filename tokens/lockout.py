"""Lock out logins after repeated failures, per username and per client address.

Counters live in the cache, so with Redis they hold across processes and
instances. A locked username or address is refused before the password is
checked, so guessing gets no answer while locked.
"""

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import BaseCache

from tokens import errors
from tokens.throttles import CACHE_ERRORS


@contextmanager
def _fail_closed():
    """A lockout that cannot be checked refuses the login (503)."""
    try:
        yield
    except CACHE_ERRORS as exc:
        raise errors.RateLimitUnavailable() from exc


@dataclass(frozen=True)
class LoginGuard:
    cache: BaseCache
    limit: int
    seconds: int

    def locked_for(self, *, username: str, ip: str | None) -> int:
        """Seconds until the username or address may try again; 0 if not locked."""
        with _fail_closed():
            waits = [self._wait(key) for key in self._keys(username, ip)]
        return max(waits, default=0)

    def failed(self, *, username: str, ip: str | None) -> None:
        with _fail_closed():
            self._count_failure(username, ip)

    def succeeded(self, *, username: str) -> None:
        key = self._key("user", username.casefold())
        with _fail_closed():
            self.cache.delete_many([key, key + ":until"])

    def _count_failure(self, username: str, ip: str | None) -> None:
        for key in self._keys(username, ip):
            # add() starts a window only if none is running; incr() is atomic.
            self.cache.add(key + ":until", time.time() + self.seconds, self.seconds)
            self.cache.add(key, 0, self.seconds)
            try:
                count = self.cache.incr(key)
            except ValueError:  # expired between add and incr
                count = 1
                self.cache.set(key, 1, self.seconds)
            if count >= self.limit:
                # Locked: for the full lockout time from this failure.
                self.cache.set(key + ":until", time.time() + self.seconds, self.seconds)
                self.cache.touch(key, self.seconds)

    def _wait(self, key: str) -> int:
        values = self.cache.get_many([key, key + ":until"])
        if values.get(key, 0) < self.limit:
            return 0
        return max(1, int(values.get(key + ":until", 0) - time.time()) + 1)

    def _keys(self, username: str, ip: str | None) -> list[str]:
        keys = [self._key("user", username.casefold())]
        if ip:
            keys.append(self._key("ip", ip))
        return keys

    @staticmethod
    def _key(kind: str, value: str) -> str:
        digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
        return f"tokenserver:login-failures:{kind}:{digest}"


def guard() -> LoginGuard:
    from django.conf import settings
    from django.core.cache import cache

    return LoginGuard(
        cache=cache,
        limit=settings.TOKENSERVER_LOGIN_FAILURE_LIMIT,
        seconds=settings.TOKENSERVER_LOGIN_LOCKOUT_SECONDS,
    )
