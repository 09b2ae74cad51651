"""Lock out logins after repeated failures, per username and per client address.

Counters live in the cache, so with Redis they hold across processes and
instances. A locked username or address is refused before the password is
checked, so guessing gets no answer while locked.
"""

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import BaseCache

from tokens import errors
from tokens.limits.throttles import CACHE_ERRORS
from tokens.metrics import record as metrics

T = TypeVar("T")


@contextmanager
def _fail_closed() -> Iterator[None]:
    """A lockout that cannot be checked refuses the login (503)."""
    try:
        yield
    except CACHE_ERRORS as exc:
        raise errors.RateLimitUnavailable() from exc


@dataclass(frozen=True)
class LoginGuard:
    """Count a username's attempts before the password is checked.

    Counting first is what makes the limit hold for parallel guesses at one
    username: each attempt takes its number atomically, those past the limit
    are refused without a password check, and a success forgets them. An
    address counts failures only, so many people logging in at once from one
    office are not locked out; spraying across usernames from one address is
    also held by the login rate throttle.
    """

    cache: BaseCache
    limit: int
    seconds: int

    def attempt(self, *, username: str, ip: str | None) -> int:
        """Count an attempt; seconds to wait if it is over the limit, else 0."""
        user_key, *ip_keys = self._keys(username, ip)
        with _fail_closed():
            waits = [self._wait(key) for key in ip_keys]
            if self._bump(user_key) > self.limit:
                waits.append(self._wait(user_key))
        return max(waits, default=0)

    def failed(self, *, username: str, ip: str | None) -> None:
        """The attempt failed: count it for the address; at the limit, lock."""
        user_key, *ip_keys = self._keys(username, ip)
        with _fail_closed():
            counts = {user_key: self.cache.get(user_key, 0)}
            counts.update({key: self._bump(key) for key in ip_keys})
            for key, count in counts.items():
                if count >= self.limit:
                    self.cache.set(
                        key + ":until", time.time() + self.seconds, self.seconds
                    )
                    self.cache.touch(key, self.seconds)

    def succeeded(self, *, username: str) -> None:
        """The attempt succeeded: forget the username's attempts."""
        user_key = self._key("user", username.casefold())
        with _fail_closed():
            self.cache.delete_many([user_key, user_key + ":until"])

    def _bump(self, key: str) -> int:
        if self.cache.add(key, 1, self.seconds):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.set(key, 1, self.seconds)
            return 1

    def _wait(self, key: str) -> int:
        values = self.cache.get_many([key, key + ":until"])
        if values.get(key, 0) < self.limit:
            return 0
        until = values.get(key + ":until", time.time() + self.seconds)
        return max(1, int(until - time.time()) + 1)

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


def check_password(
    *, username: str, ip: str | None, verify: Callable[[], T | None]
) -> T | None:
    """Run a login's password check inside the lockout, for the API and the pages.

    Raises LoginLocked before `verify` runs while the username or the address
    is locked; `verify` returns the logged-in result, or None for a wrong
    password, which is counted as a failure.
    """
    login_guard = guard()
    wait = login_guard.attempt(username=username, ip=ip)
    if wait:
        metrics.login("locked_out")
        raise errors.LoginLocked(wait=wait)
    result = verify()
    if result is None:
        login_guard.failed(username=username, ip=ip)
    else:
        login_guard.succeeded(username=username)
    metrics.login("failed" if result is None else "succeeded")
    return result
