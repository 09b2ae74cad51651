"""Rate limits on a real Redis: the sliding log in tokens/limits/throttles.py.

Needs Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/13). Without it
the module is skipped with a message, unless REQUIRE_REDIS=1 (CI): then it
fails. Each test uses its own key prefix and deletes its keys.
"""

import os
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.test import Client

from tests.conftest import PASSWORD
from tokens.limits import throttles
from tokens.models import TokenEvent

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


if not _redis_answers():
    if os.environ.get("REQUIRE_REDIS") == "1":
        pytest.fail(f"REQUIRE_REDIS=1 but no Redis at {REDIS_URL}", pytrace=False)
    pytest.skip(f"no Redis at {REDIS_URL}", allow_module_level=True)


class SubclassedRedisCache(RedisCache):
    """What an operator's own Redis cache backend looks like."""


class OwnClient(RedisCacheClient):
    """A client class of a cache's own (as Sentinel or sharding backends have)."""


class OwnClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = OwnClient


TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}
# Django's documented options, and a primary and a replica in LOCATION.
DJANGO_OPTIONS = {
    **TIMEOUTS,
    "pool_class": "redis.ConnectionPool",
    "parser_class": "redis.connection.DefaultParser",
    "serializer": "django.core.cache.backends.redis.RedisSerializer",
}


@pytest.fixture(
    params=[
        ("django.core.cache.backends.redis.RedisCache", REDIS_URL, TIMEOUTS),
        (f"{__name__}.SubclassedRedisCache", REDIS_URL, TIMEOUTS),
        (f"{__name__}.OwnClientRedisCache", REDIS_URL, TIMEOUTS),
        (
            "django.core.cache.backends.redis.RedisCache",
            f"{REDIS_URL},{REDIS_URL}",
            DJANGO_OPTIONS,
        ),
    ],
    ids=["RedisCache", "subclass", "own-client", "django-options"],
)
def on_redis(settings, request):
    prefix = f"test-{uuid.uuid4().hex}"
    backend, location, options = request.param
    settings.CACHES = {
        "default": {
            "BACKEND": backend,
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": options,
        }
    }
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def rate(monkeypatch, throttle, value: str) -> None:
    monkeypatch.setattr(throttle, "THROTTLE_RATES", {throttle.scope: value})


def fake_request(user_pk: int):
    user = SimpleNamespace(pk=user_pk, is_authenticated=True)
    return SimpleNamespace(user=user, META={"REMOTE_ADDR": "127.0.0.1"})


@pytest.mark.usefixtures("on_redis")
def test_third_token_request_in_a_minute_is_refused_and_not_recorded(
    monkeypatch, alice, client_for
):
    rate(monkeypatch, throttles.TokenRateThrottle, "2/min")
    alice_client = client_for(alice)
    first, second = alice_client.get("/token"), alice_client.get("/token")

    third = alice_client.get("/token")

    assert [first.status_code, second.status_code] == [200, 200]
    assert third.status_code == 429, third.content
    assert third.json()["code"] == "throttled"
    assert 55 <= int(third["Retry-After"]) <= 60
    assert TokenEvent.objects.filter(outcome="issued").count() == 2


@pytest.mark.usefixtures("on_redis")
def test_one_users_budget_does_not_spend_anothers(monkeypatch, alice, bob):
    rate(monkeypatch, throttles.TokenRateThrottle, "1/min")
    view = object()

    assert throttles.TokenRateThrottle().allow_request(fake_request(alice.pk), view)
    assert not throttles.TokenRateThrottle().allow_request(fake_request(alice.pk), view)
    assert throttles.TokenRateThrottle().allow_request(fake_request(bob.pk), view)


@pytest.mark.usefixtures("on_redis")
def test_parallel_requests_get_exactly_the_budget(monkeypatch):
    """Many requests at once (as from several instances) cannot share a slot."""
    rate(monkeypatch, throttles.TokenRateThrottle, "5/min")
    allowed = []
    start = threading.Barrier(24)

    def one():
        start.wait()
        throttle = throttles.TokenRateThrottle()
        allowed.append(throttle.allow_request(fake_request(7), object()))

    threads = [threading.Thread(target=one) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 5
    assert allowed.count(False) == 19


@pytest.mark.usefixtures("on_redis")
def test_refused_requests_do_not_use_the_budget(monkeypatch):
    """The window slides: a slot frees when its request is older than the window."""
    rate(monkeypatch, throttles.TokenRateThrottle, "2/s")
    view = object()
    request = fake_request(8)
    assert throttles.TokenRateThrottle().allow_request(request, view)
    assert throttles.TokenRateThrottle().allow_request(request, view)
    refused = throttles.TokenRateThrottle()
    for _ in range(5):
        assert not refused.allow_request(request, view)
    assert 0 < refused.wait() <= 1

    time.sleep(refused.wait() + 0.05)

    assert throttles.TokenRateThrottle().allow_request(request, view)


@pytest.mark.usefixtures("on_redis")
def test_login_attempts_are_throttled_per_address(monkeypatch, alice):
    rate(monkeypatch, throttles.LoginRateThrottle, "2/min")
    client = Client()

    def login(**extra):
        body = {"username": "alice", "password": PASSWORD}
        return client.post("/api/auth/login/", body, "application/json", **extra)

    assert [login().status_code for _ in range(2)] == [200, 200]

    response = login()
    other_address = login(REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert other_address.status_code == 200


@pytest.mark.usefixtures("on_redis")
def test_login_pages_and_api_share_the_address_budget(monkeypatch, alice, charlie):
    rate(monkeypatch, throttles.LoginRateThrottle, "2/min")
    api = Client().post(
        "/api/auth/login/",
        {"username": "alice", "password": PASSWORD},
        "application/json",
    )
    page = Client().post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}
    )

    admin = Client().post(
        "/admin/login/", {"username": "charlie", "password": PASSWORD}
    )

    assert [api.status_code, page.status_code] == [200, 302]
    assert admin.status_code == 429
    assert 55 <= int(admin["Retry-After"]) <= 60
    assert "Too many logins from your address" in admin.content.decode()


def test_rates_are_counted_by_the_sliding_log_with_any_redis_backend(
    on_redis, monkeypatch, alice
):
    """Any RedisCache, its settings' options honoured: the Lua log, not DRF's."""
    rate(monkeypatch, throttles.TokenRateThrottle, "5/min")

    assert throttles.TokenRateThrottle().allow_request(fake_request(alice.pk), object())

    client = redis.Redis.from_url(REDIS_URL)
    (key,) = client.scan_iter(f"{on_redis}:*")
    assert b"rate-log:" in key
    assert client.type(key) == b"zset"
    assert client.zcard(key) == 1
