"""Logging in and out of the API and the web pages, and refusing bad credentials."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token_for, decode
from tests.helpers import assert_login_page_refused, bearer, parse_iso
from tokens.limits import throttles
from tokens.models import ApiToken, TokenEvent

LOGIN = "/api/auth/login/"
LOGOUT = "/api/auth/logout/"
LOGOUT_ALL = "/api/auth/logoutall/"


def login(username, password=PASSWORD, *, client=None, **extra):
    body = {"username": username, "password": password, **extra.pop("body", {})}
    return (client or APIClient()).post(LOGIN, body, format="json", **extra)


def assert_token_works(token: str, identity: str) -> None:
    response = bearer(token).get("/token")
    assert response.status_code == 200, response.json()
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == identity


def assert_refused(response, status: int, code: str, *, api_tokens: int = 0) -> dict:
    """A refusal: its status and code, no credential in the body, nothing written."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    assert "token" not in body
    assert ApiToken.objects.count() == api_tokens
    assert not TokenEvent.objects.exists()
    return body


def assert_unauthenticated(response, code: str) -> None:
    """A /token request refused before the view: 401, no token, no audit row."""
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == code, body
    assert "token" not in body
    assert response["WWW-Authenticate"] == "Token"
    assert not TokenEvent.objects.exists()


# Logging in


def test_login_returns_a_token_its_expiry_and_the_identity(alice):
    response = login("alice")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"token", "expiry", "identity"}
    assert body["identity"] == "alice"
    assert response["Cache-Control"] == "no-store"
    assert_token_works(body["token"], "alice")


def test_login_stores_only_a_digest_of_the_token(alice):
    token = login("alice").json()["token"]
    row = ApiToken.objects.get(user=alice)
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(token in value for value in stored)
    assert row.digest != token


def test_login_stores_the_device_named_by_the_client(alice):
    response = login("alice", body={"device": "alices-iphone"})
    assert response.status_code == 200, response.json()
    assert ApiToken.objects.get(user=alice).device == "alices-iphone"


def test_login_refuses_a_malformed_device_name(alice):
    response = login("alice", body={"device": "my phone!"})
    body = assert_refused(response, 400, "invalid")
    assert "device" in body["fields"]


def test_each_login_creates_a_new_token_and_both_work(alice):
    first = login("alice").json()["token"]
    second = login("alice").json()["token"]
    assert first != second
    assert ApiToken.objects.filter(user=alice).count() == 2
    assert_token_works(first, "alice")
    assert_token_works(second, "alice")


def test_login_token_expires_after_the_default_seven_days(alice, settings):
    assert settings.REST_KNOX["TOKEN_TTL"] == timedelta(days=7)
    before = timezone.now()
    response = login("alice")
    after = timezone.now()
    expiry = parse_iso(response.json()["expiry"])
    assert before + timedelta(days=7) <= expiry <= after + timedelta(days=7)
    assert ApiToken.objects.get(user=alice).expiry == expiry


def test_login_token_expiry_follows_the_configured_ttl(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=1)}
    before = timezone.now()
    expiry = parse_iso(login("alice").json()["expiry"])
    assert before + timedelta(hours=1) <= expiry <= timezone.now() + timedelta(hours=1)


def test_login_expiry_is_utc_with_a_z(alice):
    expiry = parse_iso(login("alice").json()["expiry"])
    assert expiry.utcoffset() == timedelta(0)
    assert expiry > datetime.now(UTC)


# Bad credentials


def test_wrong_password_and_unknown_user_get_the_same_refusal(alice):
    wrong = assert_refused(
        login("alice", "not the password"), 401, "invalid_credentials"
    )
    unknown = assert_refused(
        login("nobody", "not the password"), 401, "invalid_credentials"
    )
    assert wrong == unknown


def test_inactive_user_cannot_log_in(alice):
    alice.is_active = False
    alice.save()
    assert_refused(login("alice"), 401, "invalid_credentials")


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


# Lockout


@pytest.fixture
def limit_three(settings):
    settings.TOKENSERVER_LOGIN_FAILURE_LIMIT = 3
    settings.TOKENSERVER_LOGIN_LOCKOUT_SECONDS = 900


def fail(username, ip, **extra):
    response = login(username, "wrong password", REMOTE_ADDR=ip, **extra)
    assert response.status_code == 401, response.json()
    return response


def test_username_is_locked_after_the_failure_limit(alice, bob, limit_three):
    for _ in range(3):
        fail("alice", "10.0.0.1")
    response = login("alice", REMOTE_ADDR="10.0.0.2")
    body = assert_refused(response, 429, "login_locked")
    assert 1 <= int(response["Retry-After"]) <= 901
    assert "token" not in body
    # Another user from another address is not affected.
    assert login("bob", REMOTE_ADDR="10.0.0.3").status_code == 200


def test_locked_username_is_refused_even_before_the_limit_from_a_new_address(
    alice, limit_three
):
    for number in range(3):
        fail("alice", f"10.0.1.{number}")
    assert_refused(login("alice", REMOTE_ADDR="10.0.2.1"), 429, "login_locked")


def test_username_lockout_ignores_case(alice, limit_three):
    for number, name in enumerate(["ALICE", "Alice", "alice"]):
        fail(name, f"10.0.3.{number}")
    assert_refused(login("alice", REMOTE_ADDR="10.0.3.9"), 429, "login_locked")


def test_one_failure_less_than_the_limit_still_logs_in(alice, limit_three):
    for _ in range(2):
        fail("alice", "10.0.0.1")
    assert login("alice", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_address_is_locked_after_failures_for_many_usernames(alice, limit_three):
    for name in ("mallory", "trent", "eve"):
        fail(name, "10.0.0.9")
    response = login("alice", REMOTE_ADDR="10.0.0.9")
    assert_refused(response, 429, "login_locked")
    assert int(response["Retry-After"]) >= 1
    # Alice herself is not locked: from her own address she logs in.
    assert login("alice", REMOTE_ADDR="10.0.0.10").status_code == 200


def test_rotating_x_forwarded_for_does_not_escape_the_address_lockout(
    alice, limit_three
):
    for number, name in enumerate(("mallory", "trent", "eve")):
        fail(name, "10.0.0.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    response = login(
        "alice", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert_refused(response, 429, "login_locked")


def test_successful_login_resets_the_username_counter(alice, limit_three):
    addresses = iter(f"10.0.4.{number}" for number in range(10))
    for _ in range(2):
        fail("alice", next(addresses))
    assert login("alice", REMOTE_ADDR=next(addresses)).status_code == 200
    for _ in range(2):
        fail("alice", next(addresses))
    response = login("alice", REMOTE_ADDR=next(addresses))
    assert response.status_code == 200, response.json()


def test_locked_login_does_not_check_the_password(alice, limit_three):
    for _ in range(3):
        fail("alice", "10.0.0.1")
    wrong = login("alice", "still wrong", REMOTE_ADDR="10.0.0.2")
    right = login("alice", REMOTE_ADDR="10.0.0.3")
    assert_refused(wrong, 429, "login_locked")
    assert_refused(right, 429, "login_locked")


# Rate throttle


def test_login_attempts_are_throttled_per_address(alice, monkeypatch):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    assert login("alice").status_code == 200
    assert login("alice", "wrong").status_code == 401
    response = login("alice")
    assert_refused(response, 429, "throttled", api_tokens=1)
    assert int(response["Retry-After"]) >= 1
    # Another address is counted apart.
    assert login("alice", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_login_throttle_applies_to_an_authenticated_caller_too(alice, monkeypatch):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    client = bearer(api_token_for(alice))
    login("nobody", "x", client=client)
    login("nobody", "x", client=client)
    assert_refused(login("alice", client=client), 429, "throttled", api_tokens=1)


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
    assert login("alice").status_code == 200


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

    response = login("alice", **headers)

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

    response = login("alice", HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN=origin)

    if allowed:
        assert response.status_code == 200, response.json()
    else:
        assert_refused(response, 403, "cross_site_request")


# Logout


def test_logout_ends_only_that_token(alice):
    first = login("alice").json()["token"]
    second = login("alice").json()["token"]
    response = bearer(first).post(LOGOUT)
    assert response.status_code == 204
    assert_unauthenticated(bearer(first).get("/token"), "authentication_failed")
    assert_token_works(second, "alice")
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_logout_all_ends_every_token_of_the_user_only(alice, charlie):
    tokens = [login("alice").json()["token"] for _ in range(3)]
    charlies = login("charlie").json()["token"]
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


# Refused API tokens


def test_expired_api_token_is_refused_as_expired(alice):
    token = api_token_for(alice, expiry=timedelta(seconds=-1))
    assert_unauthenticated(bearer(token).get("/token"), "token_expired")


def test_api_token_that_expired_after_login_is_refused(alice):
    token = login("alice").json()["token"]
    ApiToken.objects.filter(user=alice).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )
    assert_unauthenticated(bearer(token).get("/token"), "token_expired")


def test_token_of_a_deactivated_user_is_refused(alice):
    token = login("alice").json()["token"]
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


# The browser login page


@pytest.fixture
def browser():
    return Client()


def post_form(browser, username, password, **extra):
    return browser.post(
        "/accounts/login/", {"username": username, "password": password}, **extra
    )


def test_login_page_shows_a_form(db, browser):
    response = browser.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page
    assert "csrfmiddlewaretoken" in page


def test_login_page_shows_an_error_for_a_wrong_password(alice, browser):
    response = post_form(browser, "alice", "wrong password")
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_login_page_logs_in_and_redirects_home(alice, browser):
    response = post_form(browser, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert browser.session["_auth_user_id"] == str(alice.pk)
    assert browser.get("/").status_code == 200


def test_login_page_shares_the_lockout(alice, browser, limit_three):
    for _ in range(3):
        post_form(browser, "alice", "wrong password")
    response = post_form(browser, "alice", PASSWORD, REMOTE_ADDR="10.0.5.1")
    assert_login_page_refused(response, browser, "Too many failed logins")


def test_login_page_logins_are_throttled_per_address_like_the_api(
    alice, browser, monkeypatch
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    assert post_form(browser, "alice", "wrong password").status_code == 200
    assert post_form(Client(), "alice", PASSWORD).status_code == 302

    response = post_form(browser, "alice", PASSWORD)

    assert_login_page_refused(response, browser, "Too many logins from your address")
    # Another address is counted apart.
    elsewhere = post_form(browser, "alice", PASSWORD, REMOTE_ADDR="10.9.9.8")
    assert elsewhere.status_code == 302


@pytest.mark.parametrize("first", ["api", "page"])
def test_api_and_login_page_share_one_login_budget_per_address(
    alice, browser, monkeypatch, first
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    for _ in range(2):
        if first == "api":
            assert login("alice").status_code == 200
        else:
            assert post_form(Client(), "alice", PASSWORD).status_code == 302

    if first == "api":
        assert post_form(browser, "alice", PASSWORD).status_code == 429
        assert "_auth_user_id" not in browser.session
    else:
        assert_refused(login("alice"), 429, "throttled", api_tokens=0)


def test_throttled_login_page_does_not_count_as_a_failed_login(
    alice, browser, monkeypatch, limit_three
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "1/min"}
    )
    post_form(browser, "alice", PASSWORD)
    for _ in range(5):
        assert post_form(browser, "alice", "wrong").status_code == 429

    # The throttled guesses were never checked: no lockout once the rate allows.
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "100/min"}
    )
    assert post_form(Client(), "alice", PASSWORD).status_code == 302


def test_api_failures_lock_the_login_page(alice, browser, limit_three):
    for _ in range(3):
        fail("alice", "10.0.6.1")
    response = post_form(browser, "alice", PASSWORD, REMOTE_ADDR="10.0.6.2")
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_login_page_failures_lock_the_api(alice, browser, limit_three):
    for _ in range(3):
        post_form(browser, "alice", "wrong password", REMOTE_ADDR="10.0.7.1")
    assert_refused(login("alice", REMOTE_ADDR="10.0.7.2"), 429, "login_locked")


def test_login_beyond_the_session_limit_is_refused(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    first = login("alice").json()["token"]
    login("alice")
    assert_refused(login("alice"), 403, "too_many_sessions", api_tokens=2)
    bearer(first).post(LOGOUT)
    assert login("alice").status_code == 200


def test_expired_sessions_do_not_count_against_the_session_limit(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 1}
    api_token_for(alice, expiry=timedelta(seconds=-1))
    response = login("alice")
    assert response.status_code == 200, response.json()
    assert_token_works(response.json()["token"], "alice")


def test_login_with_a_stale_token_still_in_the_header_logs_in(alice):
    stale = bearer(api_token_for(alice, expiry=timedelta(seconds=-1)))
    response = login("alice", client=stale)
    assert response.status_code == 200, response.json()
    assert_token_works(response.json()["token"], "alice")


def test_login_with_a_logged_out_token_still_in_the_header_logs_in(alice):
    token = login("alice").json()["token"]
    bearer(token).post(LOGOUT)
    response = login("alice", client=bearer(token))
    assert response.status_code == 200, response.json()


def test_lockout_lasts_its_full_time_from_the_failure_that_reaches_the_limit(
    settings, monkeypatch
):
    """Failures spread over the window still lock for the whole lockout time."""
    from django.core.cache import cache

    from tokens.limits.lockout import LoginGuard

    clock = [1_000_000.0]
    monkeypatch.setattr("tokens.limits.lockout.time.time", lambda: clock[0])
    guard = LoginGuard(cache=cache, limit=3, seconds=900)
    for _ in range(2):
        guard.attempt(username="alice", ip=None)
        guard.failed(username="alice", ip=None)
        clock[0] += 400
    guard.attempt(username="alice", ip=None)
    guard.failed(username="alice", ip=None)

    assert guard.attempt(username="alice", ip=None) >= 899


def test_a_forged_forwarded_address_falls_back_to_the_peer_address(rf, settings):
    from tokens.limits.throttles import client_ip

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.7")

    assert client_ip(request) == "10.0.0.7"


def test_parallel_guesses_reach_the_password_check_only_up_to_the_limit():
    """Attempts are counted before the password is checked, so guesses that
    all start before any has failed cannot pass the limit together."""
    from django.core.cache import cache

    from tokens.limits.lockout import LoginGuard

    guard = LoginGuard(cache=cache, limit=5, seconds=900)
    waits = [guard.attempt(username="alice", ip=f"10.0.0.{n}") for n in range(10)]

    assert waits[:5] == [0] * 5
    assert all(wait > 0 for wait in waits[5:])


def test_many_successful_logins_from_one_address_are_not_a_lockout(alice):
    """Logging in many times from one office address locks nobody out."""
    client = APIClient()
    for _ in range(8):
        response = client.post(
            "/api/auth/login/",
            {"username": "alice", "password": PASSWORD},
            format="json",
        )
        assert response.status_code == 200, response.json()
