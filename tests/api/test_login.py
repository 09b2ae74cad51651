"""Logging in and out of the API: /api/auth/login/, logout/ and logoutall/."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
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
    parse_iso,
)
from tokens.models import ApiToken

LOGOUT = "/api/auth/logout/"
LOGOUT_ALL = "/api/auth/logoutall/"


# Logging in


def test_login_returns_a_token_its_expiry_and_the_identity(alice):
    response = api_login("alice")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"token", "expiry", "identity"}
    assert body["identity"] == "alice"
    assert response["Cache-Control"] == "no-store"
    assert_token_works(body["token"], "alice")


def test_login_stores_only_a_digest_of_the_token(alice):
    token = api_login("alice").json()["token"]
    row = ApiToken.objects.get(user=alice)
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(token in value for value in stored)
    assert row.digest != token


def test_login_stores_the_device_named_by_the_client(alice):
    response = api_login("alice", body={"device": "alices-iphone"})
    assert response.status_code == 200, response.json()
    assert ApiToken.objects.get(user=alice).device == "alices-iphone"


def test_login_refuses_a_malformed_device_name(alice):
    response = api_login("alice", body={"device": "my phone!"})
    body = assert_refused(response, 400, "invalid")
    assert "device" in body["fields"]


def test_each_login_creates_a_new_token_and_both_work(alice):
    first = api_login("alice").json()["token"]
    second = api_login("alice").json()["token"]
    assert first != second
    assert ApiToken.objects.filter(user=alice).count() == 2
    assert_token_works(first, "alice")
    assert_token_works(second, "alice")


def test_login_token_expires_after_the_default_seven_days(alice, settings):
    assert settings.REST_KNOX["TOKEN_TTL"] == timedelta(days=7)
    before = timezone.now()
    response = api_login("alice")
    after = timezone.now()
    expiry = parse_iso(response.json()["expiry"])
    assert before + timedelta(days=7) <= expiry <= after + timedelta(days=7)
    assert ApiToken.objects.get(user=alice).expiry == expiry


def test_login_token_expiry_follows_the_configured_ttl(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=1)}
    before = timezone.now()
    expiry = parse_iso(api_login("alice").json()["expiry"])
    assert before + timedelta(hours=1) <= expiry <= timezone.now() + timedelta(hours=1)


def test_login_expiry_is_utc_with_a_z(alice):
    expiry = parse_iso(api_login("alice").json()["expiry"])
    assert expiry.utcoffset() == timedelta(0)
    assert expiry > datetime.now(UTC)


# Bad credentials


def test_wrong_password_and_unknown_user_get_the_same_refusal(alice):
    wrong = assert_refused(
        api_login("alice", "not the password"), 401, "invalid_credentials"
    )
    unknown = assert_refused(
        api_login("nobody", "not the password"), 401, "invalid_credentials"
    )
    assert wrong == unknown


def test_inactive_user_cannot_log_in(alice):
    alice.is_active = False
    alice.save()
    assert_refused(api_login("alice"), 401, "invalid_credentials")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "alice"},
        {"password": PASSWORD},
        {"username": "", "password": PASSWORD},
        {"username": ["alice"], "password": PASSWORD},
        {"username": {"name": "alice"}, "password": PASSWORD},
        {"username": None, "password": PASSWORD},
        {"username": "ali\x00ce", "password": PASSWORD},
        {"username": "alice", "password": "x" * 4097},
        {"username": "a" * 151, "password": PASSWORD},
    ],
    ids=[
        "empty",
        "no-password",
        "no-username",
        "empty-username",
        "list-username",
        "object-username",
        "null-username",
        "nul-character",
        "huge-password",
        "long-username",
    ],
)
def test_login_with_missing_or_malformed_fields_is_invalid(alice, body):
    response = APIClient().post(LOGIN, body, format="json")
    body = assert_refused(response, 400, "invalid")
    assert body["fields"]


@pytest.mark.parametrize(
    "raw", ["[]", '["alice", "pw"]', '"alice"', "42", "null", "true"]
)
def test_login_with_json_that_is_not_an_object_is_invalid(alice, raw):
    response = APIClient().post(LOGIN, raw, content_type="application/json")
    assert_refused(response, 400, "invalid")


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        "username=alice",
        '{"username": "alice", "username": "bob", "password": "x"}',
        "[" * 100_000,
        b"\xff\xfe{}",
    ],
    ids=["truncated", "form-text", "duplicate-key", "deep-nesting", "not-utf8"],
)
def test_login_with_broken_json_is_a_parse_error(alice, raw):
    response = APIClient().post(LOGIN, raw, content_type="application/json")
    assert_refused(response, 400, "parse_error")


def test_login_with_an_unsupported_body_type_is_refused_not_crashed(alice):
    response = APIClient().post(LOGIN, "alice:pw", content_type="text/plain")
    assert_refused(response, 415, "unsupported_media_type")


def test_login_accepts_a_form_body(alice):
    response = APIClient().post(
        LOGIN,
        f"username=alice&password={PASSWORD.replace(' ', '+')}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.json()
    assert_token_works(response.json()["token"], "alice")


@pytest.mark.parametrize(
    ("field", "pairs"),
    [
        ("username", [("username", "alice"), ("username", "bob"), ("password", "x")]),
        ("password", [("username", "alice"), ("password", "no"), ("password", "x")]),
        ("device", [("username", "alice"), ("password", "x"), *[("device", "d")] * 2]),
    ],
)
def test_login_form_repeating_a_field_is_refused_without_logging_in(
    alice, bob, field, pairs
):
    # The last value would win silently: alice's name, bob's session.
    pairs = [(name, PASSWORD if value == "x" else value) for name, value in pairs]
    response = APIClient().post(
        LOGIN, urlencode(pairs), content_type="application/x-www-form-urlencoded"
    )

    body = assert_refused(response, 400, "invalid")
    assert body["fields"] == {field: ["Give this field only once."]}


# Sessions per user


def test_login_beyond_the_session_limit_is_refused(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    first = api_login("alice").json()["token"]
    api_login("alice")
    assert_refused(api_login("alice"), 403, "too_many_sessions", api_tokens=2)
    bearer(first).post(LOGOUT)
    assert api_login("alice").status_code == 200


def test_expired_sessions_do_not_count_against_the_session_limit(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 1}
    api_token_for(alice, expiry=timedelta(seconds=-1))
    response = api_login("alice")
    assert response.status_code == 200, response.json()
    assert_token_works(response.json()["token"], "alice")


def test_login_with_a_stale_token_still_in_the_header_logs_in(alice):
    stale = bearer(api_token_for(alice, expiry=timedelta(seconds=-1)))
    response = api_login("alice", client=stale)
    assert response.status_code == 200, response.json()
    assert_token_works(response.json()["token"], "alice")


def test_login_with_a_logged_out_token_still_in_the_header_logs_in(alice):
    token = api_login("alice").json()["token"]
    bearer(token).post(LOGOUT)
    response = api_login("alice", client=bearer(token))
    assert response.status_code == 200, response.json()


# Logout


def test_logout_ends_only_that_token(alice):
    first = api_login("alice").json()["token"]
    second = api_login("alice").json()["token"]
    response = bearer(first).post(LOGOUT)
    assert response.status_code == 204
    assert_unauthenticated(bearer(first).get("/token"), "authentication_failed")
    assert_token_works(second, "alice")
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_logout_all_ends_every_token_of_the_user_only(alice, charlie):
    tokens = [api_login("alice").json()["token"] for _ in range(3)]
    charlies = api_login("charlie").json()["token"]
    response = bearer(tokens[0]).post(LOGOUT_ALL)
    assert response.status_code == 204
    for token in tokens:
        assert_unauthenticated(bearer(token).get("/token"), "authentication_failed")
    assert not ApiToken.objects.filter(user=alice).exists()
    response = bearer(charlies).get("/api/me/")
    assert response.status_code == 200
    assert response.json()["identity"] == "charlie"


@pytest.mark.parametrize("path", [LOGOUT, LOGOUT_ALL])
def test_logout_without_a_token_is_unauthenticated(alice, path):
    api_token_for(alice)
    response = APIClient().post(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert ApiToken.objects.filter(user=alice).count() == 1
