"""When the cache holding throttles and lockouts fails, limited requests fail closed.

The cache is pointed at Redis on a loopback port where nothing listens (or
where a socket accepts and never answers), so these tests need no Redis.
Overriding CACHES takes effect everywhere: `django.core.cache.cache` and DRF's
`SimpleRateThrottle.cache` are proxies to `caches["default"]`, whose per-thread
connections Django's setting_changed handler resets.
"""

import socket
import time

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import PASSWORD, api_token_for
from tests.helpers import bearer
from tokens import errors
from tokens.models import ApiToken, TokenEvent

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
LOGIN = "/api/auth/login/"
UNAVAILABLE = "rate_limit_unavailable"


def redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tokenserver",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


def use_cache_at(settings, url: str) -> None:
    settings.CACHES = redis_cache(url)
    # The throttles read the cache through a proxy: make sure it followed.
    assert SimpleRateThrottle.cache._servers == [url]


@pytest.fixture
def redis_refuses(settings):
    """The cache is Redis at a closed port: every command fails to connect."""
    use_cache_at(settings, CLOSED_PORT_URL)


@pytest.fixture
def redis_hangs(settings):
    """The cache is a server that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        port = server.getsockname()[1]
        use_cache_at(settings, f"redis://127.0.0.1:{port}/0")
        yield


@pytest.fixture
def cache_down(request):
    """Parametrized indirectly: 'refuses' or 'hangs'."""
    request.getfixturevalue(f"redis_{request.param}")
    return request.param


def assert_unavailable(response, *, api_tokens: int = 0) -> dict:
    """503 rate_limit_unavailable as JSON, no credential, nothing written."""
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == UNAVAILABLE, body
    assert body["detail"]
    assert "token" not in body
    assert ApiToken.objects.count() == api_tokens
    assert not TokenEvent.objects.exists()
    return body


# /token


@pytest.mark.parametrize("cache_down", ["refuses", "hangs"], indirect=True)
@pytest.mark.parametrize("method", ["get", "post"])
def test_token_request_is_refused_with_503_when_the_cache_is_down(
    alice_in_room, cache_down, method
):
    client = bearer(api_token_for(alice_in_room.user))
    started = time.monotonic()

    response = getattr(client, method)("/token", {"room": "standup"})

    assert time.monotonic() - started < 2
    assert_unavailable(response, api_tokens=1)
    assert not TokenEvent.objects.filter(outcome=TokenEvent.ISSUED).exists()


def test_token_request_of_a_user_without_grants_is_also_refused_before_the_view(
    bob, redis_refuses
):
    """The limit is checked first: no refusal of another kind leaks through."""
    response = bearer(api_token_for(bob)).get("/token")

    assert_unavailable(response, api_tokens=1)


# API login


@pytest.mark.parametrize("cache_down", ["refuses", "hangs"], indirect=True)
@pytest.mark.parametrize(
    "password", [PASSWORD, "wrong password"], ids=["right", "wrong"]
)
def test_api_login_is_refused_with_503_when_the_cache_is_down(
    alice, cache_down, password
):
    started = time.monotonic()

    response = Client().post(
        LOGIN,
        {"username": "alice", "password": password},
        content_type="application/json",
    )

    assert time.monotonic() - started < 2
    assert_unavailable(response)
    assert "WWW-Authenticate" not in response


# Browser login forms


@pytest.mark.parametrize("cache_down", ["refuses", "hangs"], indirect=True)
@pytest.mark.parametrize(
    ("path", "username"),
    [("/accounts/login/", "alice"), ("/admin/login/", "charlie")],
)
def test_browser_login_form_says_unavailable_and_does_not_log_in(
    alice, charlie, cache_down, path, username
):
    browser = Client()
    assert browser.get(path).status_code == 200

    response = browser.post(path, {"username": username, "password": PASSWORD})

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Logging in is unavailable for a moment" in page
    assert 'name="password"' in page
    assert "_auth_user_id" not in browser.session
    home = browser.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.exists()
    assert not TokenEvent.objects.exists()


# What needs no cache keeps working


def test_health_check_answers_without_the_cache(db, redis_refuses):
    response = Client().get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}


def test_api_session_still_authenticates_for_requests_without_limits(
    alice, redis_refuses
):
    response = bearer(api_token_for(alice)).get("/api/me/")

    assert response.status_code == 200, response.content
    assert response.json()["identity"] == "alice"
