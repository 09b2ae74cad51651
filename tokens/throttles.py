"""Request rates, per user for /token and per client address for login."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class TokenRateThrottle(UserRateThrottle):
    scope = "token"


class LoginRateThrottle(AnonRateThrottle):
    """Per client address, whoever is logged in (AnonRateThrottle skips users)."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


def client_ip(request) -> str | None:
    """The client address as the throttles see it (honours NUM_PROXIES)."""
    ident = TokenRateThrottle().get_ident(request)
    return ident or None
