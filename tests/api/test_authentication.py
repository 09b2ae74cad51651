"""Who a request is (tokens/api/authentication.py): API tokens refused before
the view, and logins that other sites' pages make."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token_for
from tests.helpers import (
    LOGIN,
    api_login,
    assert_refused,
    assert_token_works,
    assert_unauthenticated,
    bearer,
)
from tokens.limits import throttles
from tokens.models import ApiToken

# Refused API tokens


def test_expired_api_token_is_refused_as_expired(alice):
    token = api_token_for(alice, expiry=timedelta(seconds=-1))
    assert_unauthenticated(bearer(token).get("/token"), "token_expired")


def test_api_token_that_expired_after_login_is_refused(alice):
    token = api_login("alice").json()["token"]
    ApiToken.objects.filter(user=alice).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )
    assert_unauthenticated(bearer(token).get("/token"), "token_expired")


def test_token_of_a_deactivated_user_is_refused(alice):
    token = api_login("alice").json()["token"]
    alice.is_active = False
    alice.save()
    assert_unauthenticated(bearer(token).get("/token"), "authentication_failed")


def test_token_with_one_character_changed_is_refused(alice):
    token = api_token_for(alice)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert_unauthenticated(bearer(forged).get("/token"), "authentication_failed")


def test_a_deleted_users_token_is_refused(alice):
    token = api_token_for(alice)
    alice.delete()
    assert_unauthenticated(bearer(token).get("/token"), "authentication_failed")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Token", "authentication_failed"),
        ("Token ", "authentication_failed"),
        ("Token a b", "authentication_failed"),
        ("Token not-a-hex-token", "authentication_failed"),
        ("Token " + "g" * 64, "authentication_failed"),
        ("Token " + "A" * 64, "authentication_failed"),
        ("Token " + "a" * 65_536, "authentication_failed"),
        ("Token " + "a" * 63, "authentication_failed"),
        ("Token \xff\xfe", "authentication_failed"),
        ("Token \udcff\udcfe", "authentication_failed"),
        ("Token caf\u00e9\u20ac", "authentication_failed"),
        ("Token \x00", "authentication_failed"),
        ("Bearer x", "not_authenticated"),
        ("Basic YWxpY2U6cHc=", "not_authenticated"),
        ("", "not_authenticated"),
    ],
    ids=[
        "scheme-only",
        "scheme-and-space",
        "two-words",
        "not-hex",
        "64-non-hex",
        "upper-hex",
        "64-kb",
        "short",
        "latin-1",
        "surrogates",
        "non-latin-1",
        "nul",
        "bearer",
        "basic",
        "empty",
    ],
)
def test_malformed_authorization_header_is_refused_never_crashes(alice, header, code):
    api_token_for(alice)
    response = APIClient().get("/token", HTTP_AUTHORIZATION=header)
    assert_unauthenticated(response, code)


# Logins made by other sites' pages


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_login_form_posted_by_another_sites_page_is_refused_uncounted(
    alice, monkeypatch, limit_three, site
):
    """A page elsewhere cannot spend its visitors' login budget or lock them out."""
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "1/min"}
    )
    evil = {"HTTP_SEC_FETCH_SITE": site, "HTTP_ORIGIN": "https://evil.example"}
    for _ in range(4):
        response = Client().post(LOGIN, {"username": "alice", "password": "x"}, **evil)
        assert_refused(response, 403, "cross_site_request")

    # Neither the rate nor the lockout counted them.
    assert api_login("alice").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},  # an app: no Sec-Fetch-Site
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://app.example"},
    ],
    ids=["app", "same-origin", "allowed-origin"],
)
def test_login_from_apps_own_pages_and_allowed_origins_works(alice, settings, headers):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]

    response = api_login("alice", **headers)

    assert response.status_code == 200, response.json()
    assert_token_works(response.json()["token"], "alice")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://evil.example", False),
        ("null", False),
        ("http://testserver", True),
        ("https://tokens.example.com", True),  # a trusted origin (behind a proxy)
        ("https://testserver", False),  # this host, another scheme
    ],
)
def test_login_from_a_browser_without_sec_fetch_site_is_judged_by_origin(
    alice, settings, origin, allowed
):
    """Older browsers send no Sec-Fetch-Site, but send Origin with a POST: it
    is ours when Django's CSRF check would take it."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://tokens.example.com"]

    response = Client().post(
        LOGIN,
        urlencode({"username": "alice", "password": PASSWORD}),
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN=origin,
    )

    if allowed:
        assert response.status_code == 200, response.json()
    else:
        assert_refused(response, 403, "cross_site_request")


@pytest.mark.parametrize(
    ("listed", "origin", "allowed"),
    [
        ("https://app.example:8443", "https://app.example:8443", True),
        ("https://app.example:8443", "https://app.example", False),
        ("https://app.example", "http://app.example", False),
        ("https://app.example/", "https://app.example", True),  # as CORS reads it
        ("null", "null", False),  # any sandboxed frame sends it
    ],
)
def test_login_from_another_site_needs_an_allowed_web_origin(
    alice, settings, listed, origin, allowed
):
    settings.CORS_ALLOWED_ORIGINS = [listed]

    response = api_login("alice", HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN=origin)

    if allowed:
        assert response.status_code == 200, response.json()
    else:
        assert_refused(response, 403, "cross_site_request")


# Django's private Origin check that from_other_site uses, as Django 5.2 has
# it. A failure here means Django changed it: read the comment in
# tokens/api/authentication.py before upgrading.


@pytest.mark.parametrize(
    ("origin", "verified"),
    [
        ("http://testserver", True),  # this host
        ("https://tokens.example.com", True),  # listed
        ("https://a.trusted.example", True),  # a listed wildcard
        ("https://evil.example", False),
        ("http://[", False),  # malformed
    ],
)
def test_djangos_origin_check_still_answers_as_from_other_site_expects(
    rf, settings, origin, verified
):
    settings.CSRF_TRUSTED_ORIGINS = [
        "https://tokens.example.com",
        "https://*.trusted.example",
    ]
    check = getattr(CsrfViewMiddleware, "_origin_verified", None)
    assert check is not None, "Django removed CsrfViewMiddleware._origin_verified"

    request = rf.post("/api/auth/login/", HTTP_ORIGIN=origin)

    assert check(CsrfViewMiddleware(lambda request: None), request) is verified
