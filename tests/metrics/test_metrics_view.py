"""GET /metrics: off without a token, 401 for a wrong one, counts what happened."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, api_token_for
from tests.helpers import bearer
from tests.limits.test_cache_failure import redis_refuses  # noqa: F401
from tests.metrics.scrape import METRICS_TOKEN, moved, samples, scrape

LOGIN = "/api/auth/login/"


@pytest.fixture
def metrics_on(settings):
    settings.TOKENSERVER_METRICS_TOKEN = METRICS_TOKEN


def counted(name: str, **labels: str) -> tuple[str, tuple]:
    return (name, tuple(sorted(labels.items())))


def test_metrics_are_404_json_when_no_token_is_configured(db):
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert b"tokenserver_" not in response.content


@pytest.mark.parametrize(
    "header", ["", "Bearer wrong", f"Token {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x"]
)
def test_metrics_refuse_a_missing_or_wrong_token_with_401_json(db, metrics_on, header):
    response = Client().get("/metrics", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    assert METRICS_TOKEN.encode() not in response.content
    assert b"tokenserver_" not in response.content


def test_token_issues_and_refusals_are_counted_once_each(
    alice_in_room, bob, rooms_not_enforced, metrics_on
):
    client = Client()
    before = samples(scrape(client))
    alice = bearer(api_token_for(alice_in_room.user))

    assert alice.get("/token", {"room": "standup"}).status_code == 200
    assert alice.get("/token", {"room": "elsewhere"}).status_code == 403
    assert alice.get("/token", {"ttl": "nope"}).status_code == 400
    assert bearer(api_token_for(bob)).get("/token").status_code == 403

    assert moved(before, samples(scrape(client))) == {
        counted("tokenserver_tokens_issued_total", grant="video"): 1,
        counted("tokenserver_tokens_issued_total", grant="chat"): 1,
        counted("tokenserver_token_refusals_total", code="room_not_permitted"): 1,
        counted("tokenserver_token_refusals_total", code="invalid"): 1,
        counted("tokenserver_token_refusals_total", code="no_grants"): 1,
        counted("tokenserver_request_seconds_count", endpoint="token"): 4,
    }


def test_logins_succeeded_failed_and_locked_out_are_counted(
    alice, metrics_on, settings
):
    settings.TOKENSERVER_LOGIN_FAILURE_LIMIT = 2
    client = Client()
    before = samples(scrape(client))

    def login(password: str) -> int:
        body = {"username": "alice", "password": password}
        return client.post(LOGIN, body, content_type="application/json").status_code

    assert login(PASSWORD) == 200
    assert login("wrong") == 401
    assert login("wrong") == 401
    assert login(PASSWORD) == 429

    changes = moved(before, samples(scrape(client)))
    logins = {k: v for k, v in changes.items() if k[0] == "tokenserver_logins_total"}
    assert logins == {
        counted("tokenserver_logins_total", outcome="succeeded"): 1,
        counted("tokenserver_logins_total", outcome="failed"): 2,
        counted("tokenserver_logins_total", outcome="locked_out"): 1,
    }
    assert (
        changes[counted("tokenserver_request_seconds_count", endpoint="api_login")] == 4
    )


def test_login_throttle_is_counted(alice, metrics_on, monkeypatch):
    from tokens.limits import throttles

    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "1/min"}
    )
    client = Client()
    before = samples(scrape(client))
    body = {"username": "alice", "password": "wrong"}
    statuses = [
        client.post(LOGIN, body, content_type="application/json").status_code
        for _ in range(2)
    ]

    assert statuses == [401, 429]
    changes = moved(before, samples(scrape(client)))
    assert changes[counted("tokenserver_logins_total", outcome="throttled")] == 1


def test_a_cache_outage_counts_503s_by_code(alice_in_room, metrics_on, redis_refuses):  # noqa: F811
    client = bearer(api_token_for(alice_in_room.user))
    before = samples(scrape(client))

    assert client.get("/token", {"room": "standup"}).status_code == 503

    changes = moved(before, samples(scrape(client)))
    assert (
        changes[counted("tokenserver_unavailable_total", code="rate_limit_unavailable")]
        == 1
    )
    assert not [k for k in changes if k[0] == "tokenserver_token_refusals_total"]


HOSTILE = 'Ev\u00efl"}\n# x{room="1.2.3.4"}'


def test_hostile_values_never_reach_the_exposition(
    alice_in_room, rooms_not_enforced, metrics_on
):
    client = bearer(api_token_for(alice_in_room.user, device=HOSTILE))
    client.get(
        "/token",
        {"room": HOSTILE, "device": HOSTILE, "identity": HOSTILE},
        HTTP_X_FORWARDED_FOR="203.0.113.77, " + HOSTILE,
    )
    client.get(
        "/token",
        {"room": "standup", "device": "odd\u202edevice"},
        HTTP_X_FORWARDED_FOR="203.0.113.77",
    )
    Client().post(
        LOGIN,
        {"username": HOSTILE, "password": "x"},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.77",
    )

    text = scrape(client)

    for value in ("Ev", "203.0.113", "odd", "standup", "alice", "1.2.3.4"):
        assert value not in text, value


def test_the_configuration_page_says_whether_metrics_are_on(staff, settings):
    settings.TOKENSERVER_METRICS_TOKEN = ""
    off = staff.get("/admin/configuration/").content.decode()
    settings.TOKENSERVER_METRICS_TOKEN = METRICS_TOKEN
    on = staff.get("/admin/configuration/").content.decode()

    assert "Metrics are off" in off
    assert "<code>/metrics</code> is on" in on
    assert METRICS_TOKEN not in on
