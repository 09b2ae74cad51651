"""One-line recording helpers: callers pass codes, never a person or a room."""

import functools
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from tokens.metrics import counters as c

F = TypeVar("F", bound=Callable[..., Any])
# Only these paths get a latency series: a fixed set, never the raw path.
TIMED_PATHS = {
    "/token": "token",
    "/api/auth/login/": "api_login",
    "/api/auth/oidc/": "oidc_login",
    "/accounts/login/": "page_login",
}


def become_worker() -> None:
    """Name this process's files "enforce-<pid>" (manage.py enforce_access)."""
    c.ROLE["prefix"] = "enforce-"


def issued(grants: Iterable[str]) -> None:
    for grant in grants:
        c.TOKENS_ISSUED.labels(grant).inc()


def refused(code: str) -> None:
    c.REFUSALS.labels(code).inc()


def login(outcome: str) -> None:
    c.LOGINS.labels(outcome).inc()


def request(*, path: str, method: str, status: int, code: str, seconds: float) -> None:
    """Latency of the timed endpoints; every 503 by its code."""
    endpoint = TIMED_PATHS.get(path)
    if endpoint is not None and method in ("GET", "POST"):
        c.LATENCY.labels(endpoint).observe(seconds)
    if status == 503:
        c.UNAVAILABLE.labels(code).inc()


def webhook(kind: str, signature: str) -> None:
    c.WEBHOOKS.labels(kind, signature).inc()


def eviction(reason: str, *, access_ended_at: datetime, removed_at: datetime) -> None:
    c.EVICTIONS.labels(reason).inc()
    c.EVICTION_LAG.observe(max(0.0, (removed_at - access_ended_at).total_seconds()))


def worker_pass(connected: int) -> None:
    c.CONNECTED.set(connected)
    c.WORKER_PASS.set(time.time())


def twiml(direction: str, outcome: str, code: str) -> None:
    c.TWIML.labels(direction, outcome, code or "none").inc()


def rest_call(operation: str, *, refused: type[Exception]) -> Callable[[F], F]:
    """Count and time a tokens/twilio/rest.py call: ok, `refused` (Twilio
    answered no) or unavailable (any other failure)."""

    def wrap(function: F) -> F:
        calls = {o: c.REST_CALLS.labels(operation, o) for o in OUTCOMES}
        timer = c.REST_LATENCY.labels(operation)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            outcome = "unavailable"
            try:
                result = function(*args, **kwargs)
                outcome = "ok"
                return result
            except refused:
                outcome = "refused"
                raise
            finally:
                calls[outcome].inc()
                timer.observe(time.perf_counter() - started)

        return timed  # type: ignore[return-value]

    return wrap


OUTCOMES = ("ok", "refused", "unavailable")


def sign_in(provider: str) -> Callable[[F], F]:
    """Count a sign-in view's answers: succeeded, or the refusal's code."""

    def wrap(function: F) -> F:
        @functools.wraps(function)
        def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                result = function(*args, **kwargs)
            except Exception as error:
                code = getattr(error, "default_code", "error")
                c.SIGN_INS.labels(provider, str(code)).inc()
                raise
            c.SIGN_INS.labels(provider, "succeeded").inc()
            return result

        return counted  # type: ignore[return-value]

    return wrap
