"""API token authentication: knox's hashed tokens, checked in one query."""

import re
from hmac import compare_digest
from urllib.parse import urlsplit

from corsheaders.middleware import CorsMiddleware
from django.db import connection
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import (
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

from tokens import errors
from tokens.models import ApiToken, User
from tokens.rows import ModelColumns

TOKEN_PATTERN = re.compile(f"[0-9a-f]{{{knox_settings.AUTH_TOKEN_CHARACTER_LENGTH}}}")

# Every API request starts here, so the token and its user are read with a
# fixed statement rather than a queryset (about 0.6 ms of CPU a request less;
# docs/performance.md). Column lists come from the models' metadata.
# Kept (issue 14): with the audit's rows.insert it pays +23 % /token req/s
# (median of 3 alternating what-if runs, 0.95x-1.32x) and 17-33 % less worker
# CPU a request against a queryset and Model.save(); 2026-12-03, d1b57d2
# (docs/performance.md, "Fast paths: kept or removed").
_TOKEN = ModelColumns(ApiToken, "t")
_USER = ModelColumns(User, "u")
_DIGEST = _TOKEN.names.index("digest")
_CANDIDATES_SQL = " ".join(
    (
        "SELECT",
        _TOKEN.sql + ",",
        _USER.sql,
        "FROM tokens_apitoken t JOIN tokens_user u ON u.id = t.user_id",
        "WHERE t.token_key = %s",
    )
)


class AuthenticatedRequest(Request):
    """A request that a view's permission classes let in: its user is a User.

    For annotations only: DRF's stubs type request.user as maybe anonymous.
    """

    user: User


class ApiTokenAuthentication(TokenAuthentication):
    """Knox authentication that never answers 500 and never writes.

    Knox decodes the header as UTF-8 (a 500 on other bytes) and, on every
    request, loads and deletes the user's other expired tokens, so its query
    count grows with past logins. Here a malformed token is refused before
    any query, and an expired one is refused; `prune_audit` deletes them.
    """

    @sensitive_variables()  # the caller's API token, in every frame below
    def authenticate(self, request):
        try:
            header = get_authorization_header(request)
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        words = header.split()
        if not words or words[0].lower() != b"token":
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: use 'Token <token>'.",
                code="authentication_failed",
            )
        return self.authenticate_credentials(words[1])

    def authenticate_credentials(self, token: bytes):
        text = token.decode("ascii", errors="replace")
        if not TOKEN_PATTERN.fullmatch(text):
            raise exceptions.AuthenticationFailed("Invalid token.")
        digest = hash_token(text)
        with connection.cursor() as cursor:
            cursor.execute(_CANDIDATES_SQL, [text[: CONSTANTS.TOKEN_KEY_LENGTH]])
            candidates = cursor.fetchall()
        for row in candidates:
            if compare_digest(digest, row[_DIGEST]):
                api_token = _TOKEN.instance(row[: len(_TOKEN)])
                api_token.user = _USER.instance(row[len(_TOKEN) :])
                return self._check(api_token)
        raise exceptions.AuthenticationFailed("Invalid token.")

    def _check(self, api_token: ApiToken):
        if api_token.expiry is not None and api_token.expiry <= timezone.now():
            raise exceptions.AuthenticationFailed(
                "Token has expired.", code="token_expired"
            )
        return self.validate_user(api_token)


# What browsers send in Sec-Fetch-Site for a request the site's own pages made
# ("same-origin") or the user made by typing or a bookmark ("none").
SAME_ORIGIN_FETCHES = ("same-origin", "none")


def from_other_site(request) -> bool:
    """Whether the browser says another site's page or link made the request.

    Sec-Fetch-Site says it. Browsers without it (Safari before 16.4) still
    send Origin with a POST: it is ours when Django's CSRF check would take
    it (this host, or DJANGO_CSRF_TRUSTED_ORIGINS behind a proxy). Clients
    that are not browsers send neither: they are not.
    """
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        return site.lower() not in SAME_ORIGIN_FETCHES
    if not request.META.get("HTTP_ORIGIN"):
        return False
    # Django's own Origin check: private (left out of django-stubs), kept on
    # purpose (issue 14). Django 5.2 has no public equivalent: process_view
    # also wants a CSRF token, which apps never send, and a copy of the check
    # (this host, CSRF_TRUSTED_ORIGINS with their wildcards) would fork
    # security code. tests/api/test_authentication.py fails by name if Django
    # renames or changes it.
    middleware = CsrfViewMiddleware(_no_response)
    return not middleware._origin_verified(request)  # type: ignore[attr-defined]


def _no_response(request):  # the middleware classes want a get_response
    return None


def allowed_web_origin(origin: str | None) -> bool:
    """Whether Origin is one of DJANGO_CORS_ALLOWED_ORIGINS, as
    django-cors-headers itself decides, so that a web app CORS lets call the
    API may also log in. Never "null": any sandboxed frame can send it.
    """
    origin = (origin or "").strip()
    if not origin or origin == "null":
        return False
    try:
        url = urlsplit(origin)
    except ValueError:  # "http://[" and other malformed values
        return False
    return CorsMiddleware(_no_response).origin_found_in_white_lists(origin, url)


class SameOriginSessionAuthentication(SessionAuthentication):
    """The browser session, for requests from the service's own pages only.

    A SameSite=Lax session cookie also travels with top-level navigations
    from other sites (and with any request from a sibling subdomain), so a
    link elsewhere could make a logged-in browser mint, record and count a
    token with GET /token, which CSRF protection does not cover. Such a
    request is refused (403) before anything happens. Without the header
    (older browsers, scripts) the session works as before, and unsafe
    methods still need the CSRF token. Web apps on other origins use API
    tokens (CORS sends no cookies).
    """

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if from_other_site(request) and user is not None and user.is_authenticated:
            raise errors.CrossSiteRequest(
                "A browser session works only from this site's own pages: "
                "other sites must use an API token."
            )
        return super().authenticate(request)
