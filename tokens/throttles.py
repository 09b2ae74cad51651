"""Request rates, per user for /token and per client address for login.

When the cache that holds the counters fails (Redis down or slow), the
request is refused with 503: a fresh budget would let anyone past the limits.
"""

import ipaddress

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tokens import errors

CACHE_ERRORS = (RedisError, OSError)


class FailClosedMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            raise errors.RateLimitUnavailable() from exc


class TokenRateThrottle(FailClosedMixin, UserRateThrottle):
    scope = "token"


class LoginRateThrottle(FailClosedMixin, AnonRateThrottle):
    """Per client address, whoever is logged in (AnonRateThrottle skips users)."""

    scope = "login"

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
