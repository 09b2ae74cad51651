"""The login lockout (tokens/limits/lockout.py): failed logins lock a
username and an address, through the API. The login page shares it:
tests/web/test_login_page.py."""

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.helpers import api_login, assert_refused, fail_api_login
from tokens.limits.lockout import LoginGuard

# Through the API


def test_username_is_locked_after_the_failure_limit(alice, bob, limit_three):
    for _ in range(3):
        fail_api_login("alice", "10.0.0.1")
    response = api_login("alice", REMOTE_ADDR="10.0.0.2")
    body = assert_refused(response, 429, "login_locked")
    assert 1 <= int(response["Retry-After"]) <= 901
    assert "token" not in body
    # Another user from another address is not affected.
    assert api_login("bob", REMOTE_ADDR="10.0.0.3").status_code == 200


def test_locked_username_is_refused_even_before_the_limit_from_a_new_address(
    alice, limit_three
):
    for number in range(3):
        fail_api_login("alice", f"10.0.1.{number}")
    assert_refused(api_login("alice", REMOTE_ADDR="10.0.2.1"), 429, "login_locked")


def test_username_lockout_ignores_case(alice, limit_three):
    for number, name in enumerate(["ALICE", "Alice", "alice"]):
        fail_api_login(name, f"10.0.3.{number}")
    assert_refused(api_login("alice", REMOTE_ADDR="10.0.3.9"), 429, "login_locked")


def test_one_failure_less_than_the_limit_still_logs_in(alice, limit_three):
    for _ in range(2):
        fail_api_login("alice", "10.0.0.1")
    assert api_login("alice", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_address_is_locked_after_failures_for_many_usernames(alice, limit_three):
    for name in ("mallory", "trent", "eve"):
        fail_api_login(name, "10.0.0.9")
    response = api_login("alice", REMOTE_ADDR="10.0.0.9")
    assert_refused(response, 429, "login_locked")
    assert int(response["Retry-After"]) >= 1
    # Alice herself is not locked: from her own address she logs in.
    assert api_login("alice", REMOTE_ADDR="10.0.0.10").status_code == 200


def test_rotating_x_forwarded_for_does_not_escape_the_address_lockout(
    alice, limit_three
):
    for number, name in enumerate(("mallory", "trent", "eve")):
        fail_api_login(name, "10.0.0.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    response = api_login(
        "alice", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert_refused(response, 429, "login_locked")


def test_successful_login_resets_the_username_counter(alice, limit_three):
    addresses = iter(f"10.0.4.{number}" for number in range(10))
    for _ in range(2):
        fail_api_login("alice", next(addresses))
    assert api_login("alice", REMOTE_ADDR=next(addresses)).status_code == 200
    for _ in range(2):
        fail_api_login("alice", next(addresses))
    response = api_login("alice", REMOTE_ADDR=next(addresses))
    assert response.status_code == 200, response.json()


def test_locked_login_does_not_check_the_password(alice, limit_three):
    for _ in range(3):
        fail_api_login("alice", "10.0.0.1")
    wrong = api_login("alice", "still wrong", REMOTE_ADDR="10.0.0.2")
    right = api_login("alice", REMOTE_ADDR="10.0.0.3")
    assert_refused(wrong, 429, "login_locked")
    assert_refused(right, 429, "login_locked")


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


# The guard itself


def test_lockout_lasts_its_full_time_from_the_failure_that_reaches_the_limit(
    settings, monkeypatch
):
    """Failures spread over the window still lock for the whole lockout time."""
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


def test_parallel_guesses_reach_the_password_check_only_up_to_the_limit():
    """Attempts are counted before the password is checked, so guesses that
    all start before any has failed cannot pass the limit together."""
    guard = LoginGuard(cache=cache, limit=5, seconds=900)
    waits = [guard.attempt(username="alice", ip=f"10.0.0.{n}") for n in range(10)]

    assert waits[:5] == [0] * 5
    assert all(wait > 0 for wait in waits[5:])


class LockoutKeysFail(LocMemCache):
    """A cache whose lockout counters do not answer, as when Redis fails
    between the login throttle's check and the lockout's."""

    def get_many(self, keys, version=None):
        if any("login-failures" in key for key in keys):
            raise RedisConnectionError("the cache does not answer")
        return super().get_many(keys, version)


def test_a_lockout_that_cannot_be_checked_refuses_the_login(alice, settings):
    settings.CACHES = {
        "default": {"BACKEND": f"{__name__}.LockoutKeysFail", "LOCATION": "lockout"}
    }

    response = api_login("alice")

    assert_refused(response, 503, "rate_limit_unavailable")
    assert response["Retry-After"] == "30"


class ExpiresBeforeIncr(LocMemCache):
    """A counter that expires between the guard's add and its incr."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        super().add(key, value, timeout, version)
        self.delete(key, version)
        return False


def test_a_counter_expiring_mid_count_counts_the_attempt_as_the_first():
    guard = LoginGuard(cache=ExpiresBeforeIncr("expiring", {}), limit=1, seconds=900)

    assert guard.attempt(username="alice", ip=None) == 0
