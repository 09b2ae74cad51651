"""The provider's discovery document and keys: fetched with a bounded wait, cached.

One `Provider` per process and configuration. The discovery document is
kept for DISCOVERY_SECONDS; the keys are PyJWKClient's: cached for
JWKS_SECONDS, refreshed when a token names an unknown `kid`, but at most once
per `OIDC_JWKS_COOLDOWN` seconds, so a stream of made-up `kid`s costs the
provider one request per cooldown, not one per token. A failed discovery
keeps nothing, and for `OIDC_JWKS_COOLDOWN` seconds after it requests answer
503 without asking again: a provider that is down is not sent one request
per sign-in, and sign-ins do not queue behind one timeout each.
"""

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPException
from urllib.error import URLError

import jwt

from tokens.sso.config import OidcConfig, secure_url

DISCOVERY_SECONDS = 3600
JWKS_SECONDS = 3600
MAX_DOCUMENT_BYTES = 256 * 1024


class ProviderUnavailable(Exception):
    """Discovery or the keys could not be fetched (the reason is for the log)."""


class UnknownKey(Exception):
    """The token's `kid` is not among the provider's keys, even after a refresh."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer we do not follow


def fetch_json(url: str, timeout: float) -> dict:
    opener = urllib.request.build_opener(_NoRedirect())
    # Only http(s) URLs get here: the issuer and jwks_uri pass secure_url.
    headers = {"Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_DOCUMENT_BYTES + 1)
    except (URLError, TimeoutError, HTTPException, OSError) as exc:
        raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from exc
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ProviderUnavailable(f"{url}: document too large")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ProviderUnavailable(f"{url}: not JSON") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return data


@dataclass
class Provider:
    config: OidcConfig
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _keys: jwt.PyJWKClient | None = None
    _discovered_at: float = 0.0
    _failed_at: float | None = None

    def signing_key(self, kid: str) -> jwt.PyJWK:
        client = self._jwks_client()
        try:
            return client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise ProviderUnavailable(f"JWKS: {exc}") from exc
        except ValueError as exc:  # the JWKS answered something not JSON
            raise ProviderUnavailable("JWKS: not JSON") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            raise UnknownKey(kid) from exc

    def _jwks_client(self) -> jwt.PyJWKClient:
        with self._lock:
            stale = time.monotonic() - self._discovered_at > DISCOVERY_SECONDS
            if self._keys is None or stale:
                self._keys = self._discover_or_back_off()
                self._discovered_at = time.monotonic()
            return self._keys

    def _discover_or_back_off(self) -> jwt.PyJWKClient:
        now = time.monotonic()
        failed = self._failed_at
        if failed is not None and now - failed < self.config.cooldown:
            raise ProviderUnavailable("discovery failed moments ago: not asked again")
        try:
            found = self._discover()
        except ProviderUnavailable:
            self._failed_at = now
            raise
        self._failed_at = None
        return found

    def _discover(self) -> jwt.PyJWKClient:
        issuer = self.config.issuer
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = fetch_json(url, self.config.timeout)
        if document.get("issuer") != issuer:
            raise ProviderUnavailable("discovery: its issuer is not OIDC_ISSUER")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not secure_url(jwks_uri):
            raise ProviderUnavailable("discovery: jwks_uri missing or not https")
        return jwt.PyJWKClient(
            jwks_uri,
            cache_jwk_set=True,
            lifespan=JWKS_SECONDS,
            timeout=self.config.timeout,
            cooldown_duration=self.config.cooldown,
        )


_providers: dict[OidcConfig, Provider] = {}
_providers_lock = threading.Lock()


def provider_for(config: OidcConfig) -> Provider:
    with _providers_lock:
        found = _providers.get(config)
        if found is None:
            found = _providers[config] = Provider(config)
        return found
