"""Verify an ID token against one configured provider: claims back, or a refusal.

Every refusal is InvalidIdToken with its reason for the log only; the client
gets one answer for all, so it cannot probe which check failed.
"""

import logging
import re

import jwt

from tokens.sso.config import LEEWAY_SECONDS, MAX_TOKEN_BYTES, OidcConfig
from tokens.sso.provider import UnknownKey, provider_for

logger = logging.getLogger(__name__)

# The algorithm allowed for each key type the provider publishes: never
# `none` or HS256 (which would take the public key as a shared secret).
ALGORITHM_FOR_KEY = {"RSA": "RS256", "EC": "ES256"}
# Headers that carry or point at a key: a token must not choose its own key.
KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat"]
SUBJECT = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, as providers send


class InvalidIdToken(Exception):
    """The ID token is not one the provider signed for us now."""


def peek_issuer(token: str) -> object:
    """The `iss` a token claims, unverified: only to choose whom to verify it with."""
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise InvalidIdToken("too large")
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidIdToken(f"unreadable: {type(exc).__name__}") from exc
    return claims.get("iss")


def verify_id_token(token: str, *, config: OidcConfig) -> dict:
    """The verified claims; raises InvalidIdToken or ProviderUnavailable."""
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise InvalidIdToken("too large")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidIdToken(f"unreadable header: {type(exc).__name__}") from exc
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg not in ALGORITHM_FOR_KEY.values():
        raise InvalidIdToken("algorithm not allowed")
    if any(name in header for name in KEY_HEADERS):
        raise InvalidIdToken("key in the header")
    if not isinstance(kid, str) or not kid:
        raise InvalidIdToken("no kid")
    try:
        key = provider_for(config).signing_key(kid)
    except UnknownKey as exc:
        raise InvalidIdToken("unknown kid") from exc
    if ALGORITHM_FOR_KEY.get(str(key.key_type)) != alg:
        raise InvalidIdToken("algorithm does not fit the key")
    claims = _decode(token, key, alg, config)
    _check_azp(claims, config)
    if not isinstance(claims["sub"], str) or not SUBJECT.fullmatch(claims["sub"]):
        raise InvalidIdToken("malformed sub")
    return claims


def _decode(token: str, key: jwt.PyJWK, alg: str, config: OidcConfig) -> dict:
    try:
        return jwt.decode(
            token,
            key.key,
            algorithms=[alg],
            audience=list(config.audiences),
            issuer=list(config.issuers),
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "strict_aud": False},
        )
    except jwt.PyJWTError as exc:
        raise InvalidIdToken(type(exc).__name__) from exc


def _check_azp(claims: dict, config: OidcConfig) -> None:
    """The party the token was issued to, when named, must be one of ours."""
    if "azp" in claims and claims["azp"] not in config.audiences:
        raise InvalidIdToken("azp not among the audiences")
