"""The provider's settings, read when asked (never at import)."""

import ipaddress
from dataclasses import dataclass, field
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
    issuer: str  # the canonical issuer: discovery, and the key of stored links
    audiences: tuple[str, ...]
    timeout: float
    cooldown: float
    name: str = "oidc"
    label: str = "your identity provider"
    # Other exact `iss` forms its tokens may carry (Google: no https://).
    also_issuers: tuple[str, ...] = ()
    client_id: str = ""
    client_secret: str = field(default="", repr=False)

    @property
    def issuers(self) -> tuple[str, ...]:
        return (self.issuer, *self.also_issuers)

    @property
    def browser(self) -> bool:
        """Whether the browser's "Sign in with <label>" is offered."""
        return bool(self.client_id)


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


def problems(
    issuer: str, audiences: list[str] | tuple[str, ...], prefix: str = "OIDC_"
) -> list[str]:
    """What is wrong with the settings (empty: usable); never their values."""
    found = []
    if not secure_url(issuer):
        found.append(f"{prefix}ISSUER must be an https URL (no query, no fragment).")
    if not audiences:
        found.append(
            f"{prefix}AUDIENCES must name at least one client ID or bundle ID."
        )
    return found


def _single() -> dict | None:
    if not settings.OIDC_ISSUER and not settings.OIDC_AUDIENCES:
        return None
    return {
        "name": "oidc",
        "issuer": settings.OIDC_ISSUER,
        "also_issuers": [],
        "audiences": list(settings.OIDC_AUDIENCES),
        "client_id": settings.OIDC_CLIENT_ID,
        "client_secret": settings.OIDC_CLIENT_SECRET,
        "label": settings.OIDC_LABEL or "your identity provider",
    }


def configured() -> list[dict]:
    """Every provider set in the environment, usable or not, with its prefix."""
    single = _single()
    named = [
        dict(entry, prefix=f"OIDC_{entry['name'].upper()}_")
        for entry in settings.OIDC_PROVIDER_SETTINGS
    ]
    return ([dict(single, prefix="OIDC_")] if single else []) + named


def all_providers() -> tuple[OidcConfig, ...]:
    """The usable providers: the one-provider form first, then OIDC_PROVIDERS.

    The browser client's ID is accepted as an audience too: the ID token the
    browser flow gets is issued to it.
    """
    found = []
    for entry in configured():
        audiences = tuple(entry["audiences"])
        if problems(entry["issuer"], audiences):
            continue
        if entry["client_id"] and entry["client_id"] not in audiences:
            audiences += (entry["client_id"],)
        found.append(
            OidcConfig(
                issuer=entry["issuer"],
                audiences=audiences,
                timeout=settings.OIDC_TIMEOUT,
                cooldown=settings.OIDC_JWKS_COOLDOWN,
                name=entry["name"],
                label=entry["label"],
                also_issuers=tuple(entry["also_issuers"]),
                client_id=entry["client_id"],
                client_secret=entry["client_secret"],
            )
        )
    return tuple(found)


def current() -> OidcConfig | None:
    """The first usable provider, or None when none is (the one-provider form)."""
    found = all_providers()
    return found[0] if found else None


def by_name(name: str) -> OidcConfig | None:
    return next((p for p in all_providers() if p.name == name), None)


def by_issuer(iss: object) -> OidcConfig | None:
    """The provider whose tokens carry this exact `iss`, or None."""
    return next((p for p in all_providers() if iss in p.issuers), None)
