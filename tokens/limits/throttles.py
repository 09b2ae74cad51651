"""Request rates, per user for /token and per client address for login.

When the cache that holds the counters fails (Redis down or slow), the
request is refused with 503: a fresh budget would let anyone past the limits.

On Redis, a rate is a sliding log of request times kept by one Lua script:
one round trip a request, and atomic, so instances sharing Redis can never
let more requests through than the rate together. DRF's own history (read,
append, write back: two round trips and a Django cache client built for each)
cost about 1.5 ms of CPU per /token request and let parallel requests on
several instances each pass the last free slot (docs/performance.md). Other
caches (local memory, for one process) keep DRF's implementation.
"""

import ipaddress
import secrets

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string
from redis.commands.core import Script
from redis.exceptions import RedisError
from rest_framework.throttling import (
    AnonRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)
from rest_framework.views import APIView

from tokens import errors
from tokens.metrics import record as metrics

CACHE_ERRORS = (RedisError, OSError)

# KEYS[1]: the log; ARGV: window seconds, limit, a unique suffix for the entry.
# Returns "0" when the request is allowed (and logged), otherwise the seconds
# until the oldest logged request leaves the window. Redis's clock is used, so
# instances whose clocks differ still share one window.
SLIDING_LOG = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], t, now[1] .. '.' .. now[2] .. '-' .. ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(window))
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - t)
"""


# One script object (its redis.Redis client and connection pool) per process
# and cache setting: building a client costs about 50 us of CPU, a tenth of
# the rest of the throttle, and a pool per request would reconnect each time.
_SCRIPTS: dict[str, Script] = {}
# Options of Django's RedisCache that are not redis-py connection options.
_DJANGO_ONLY = ("pool_class", "parser_class", "serializer")


def run_sliding_log(key: str, args: list) -> bytes:
    """Run SLIDING_LOG on the default cache's Redis, with a client of our own.

    redis-py's public API: a connection pool from the URL of the cache's
    primary (LOCATION's first server, which Django's RedisCache writes to)
    with the OPTIONS of its settings (timeouts, pool and parser classes), as
    Django builds its own. The cache's private pool is not reached into
    (measured in docs/performance.md, "Fast paths: kept or removed").
    """
    config = settings.CACHES["default"]
    options = config.get("OPTIONS", {})
    location = config["LOCATION"]
    if isinstance(location, str):
        location = location.split(",")
    url = location[0]
    held = f"{url} {sorted(options.items())!r}"
    script = _SCRIPTS.get(held)
    if script is None:
        script = _SCRIPTS[held] = _client(url, options).register_script(SLIDING_LOG)
    return script(keys=[key], args=args)


def _client(url: str, options: dict) -> redis.Redis:
    def named(value):
        return import_string(value) if isinstance(value, str) else value

    pool_class = named(options.get("pool_class", redis.ConnectionPool))
    kwargs = {k: v for k, v in options.items() if k not in _DJANGO_ONLY}
    if "parser_class" in options:
        kwargs["parser_class"] = named(options["parser_class"])
    return redis.Redis(connection_pool=pool_class.from_url(url, **kwargs))


class FailClosedMixin(SimpleRateThrottle):
    """A DRF rate throttle that answers 503 when its cache fails.

    Put first, before the DRF throttle it changes (UserRateThrottle ...).
    """

    _wait: float | None = None
    # Set from the rate by SimpleRateThrottle.__init__; its stubs leave them out.
    num_requests: int | None
    duration: int | None

    def allow_request(self, request, view):
        if not _spends_budget(request, view):
            return True
        try:
            cache = caches["default"]
            if not isinstance(cache, RedisCache) or self.rate is None:
                return super().allow_request(request, view)
            return self._allow_on_redis(request, view, cache)
        except CACHE_ERRORS as exc:
            raise errors.RateLimitUnavailable() from exc

    def _allow_on_redis(self, request, view, cache: RedisCache) -> bool:
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        args = [self.duration, self.num_requests, secrets.token_hex(4)]
        wait = float(run_sliding_log(cache.make_key(f"rate-log:{key}"), args))
        self._wait = wait if wait > 0 else None
        return self._wait is None

    def wait(self):
        if self._wait is not None:
            return self._wait
        return super().wait()


def _spends_budget(request, view) -> bool:
    """OPTIONS describes an API endpoint, and a method it does not serve is
    refused with 405 right after the throttles: neither spends the budget."""
    if not isinstance(view, APIView):
        return True  # the login pages count every request they throttle
    method = getattr(request, "method", "").lower()
    # Django's View.setup() adds `head` for any view with `get`: 405 all the
    # same when the view leaves it out of http_method_names.
    return (
        method != "options"
        and method in view.http_method_names
        and callable(getattr(view, method, None))
    )


class TokenRateThrottle(FailClosedMixin, UserRateThrottle):
    scope = "token"

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if not allowed:
            metrics.refused("throttled")
        return allowed


class LoginRateThrottle(FailClosedMixin, AnonRateThrottle):
    """Per client address, whoever is logged in (AnonRateThrottle skips users)."""

    scope = "login"

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if not allowed:
            metrics.login("throttled")
        return allowed

    def get_cache_key(self, request, view):
        ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def client_ip(request) -> str | None:
    """The client address as the throttles see it (honours NUM_PROXIES)."""
    ident = TokenRateThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        # A forged X-Forwarded-For entry (NUM_PROXIES set too high): not an address.
        remote = request.META.get("REMOTE_ADDR", "")
        try:
            return str(ipaddress.ip_address(remote))
        except ValueError:
            return None
