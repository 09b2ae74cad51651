"""The provider's settings, read when asked (never at import)."""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Clocks of phones and providers drift: `exp`, `iat` and `nbf` are allowed
# this many seconds of slack (README, "Sign in with your identity provider").
LEEWAY_SECONDS = 60
# An ID token longer than this is refused before it is parsed. Google's and
# Apple's are under 2 kB; 8 kB leaves room for a provider's group claims.
MAX_TOKEN_BYTES = 8192
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audiences: tuple[str, ...]
    timeout: float
    cooldown: float


def secure_url(url: str) -> bool:
    """An https URL with a host; plain http only to this machine (tests, dev)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _loopback(host)


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problems(issuer: str, audiences: list[str] | tuple[str, ...]) -> list[str]:
    """What is wrong with the settings (empty: usable); never their values."""
    found = []
    if not secure_url(issuer):
        found.append("OIDC_ISSUER must be an https URL (no query, no fragment).")
    if not audiences:
        found.append("OIDC_AUDIENCES must name at least one client ID or bundle ID.")
    return found


def current() -> OidcConfig | None:
    """The configured provider, or None when it is unset or unusable."""
    issuer = settings.OIDC_ISSUER
    audiences = tuple(settings.OIDC_AUDIENCES)
    if not issuer or problems(issuer, audiences):
        return None
    return OidcConfig(
        issuer=issuer,
        audiences=audiences,
        timeout=settings.OIDC_TIMEOUT,
        cooldown=settings.OIDC_JWKS_COOLDOWN,
    )
