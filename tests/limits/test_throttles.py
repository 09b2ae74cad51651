"""The login rate per address and the caller's address
(tokens/limits/throttles.py), on the test cache. The sliding log on a real
Redis: test_throttles_redis.py. The /token rate: tests/api/test_views_token.py."""

from tests.conftest import api_token_for
from tests.helpers import api_login, assert_refused, bearer
from tokens.limits import throttles
from tokens.limits.throttles import client_ip


def test_login_attempts_are_throttled_per_address(alice, monkeypatch):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    assert api_login("alice").status_code == 200
    assert api_login("alice", "wrong").status_code == 401
    response = api_login("alice")
    assert_refused(response, 429, "throttled", api_tokens=1)
    assert int(response["Retry-After"]) >= 1
    # Another address is counted apart.
    assert api_login("alice", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_login_throttle_applies_to_an_authenticated_caller_too(alice, monkeypatch):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    client = bearer(api_token_for(alice))
    api_login("nobody", "x", client=client)
    api_login("nobody", "x", client=client)
    assert_refused(api_login("alice", client=client), 429, "throttled", api_tokens=1)


def test_a_forged_forwarded_address_falls_back_to_the_peer_address(rf, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.7")

    assert client_ip(request) == "10.0.0.7"
