"""When the database fails, or the clock sits on a boundary, users get clean answers.

A database that fails mid-service (every query raises, or only the audit
INSERT does) answers 503 `database_unavailable` as JSON, never a 500, a token
or a traceback, and the service recovers by itself once the database answers
again. A database that cannot be reached at all is tried for real in a
subprocess, against a PostgreSQL URL on a loopback port where nothing listens.
"""

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

import tokens.api.authentication
import tokens.api.views
from tests.conftest import PASSWORD, api_token_for, decode
from tests.db_faults import DRIVER_MESSAGE, database_failing
from tests.helpers import bearer, local_server_env, run_python
from tokens import errors
from tokens.models import ApiToken, RoomAccess, TokenEvent

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

LOGIN = "/api/auth/login/"
UNAVAILABLE = "database_unavailable"
LEAKS = ("Traceback", "SELECT", "INSERT", "tokens_", "OperationalError", 'File "')


# Requests commit for real here (no test transaction around them), as in
# production.
committing = pytest.mark.django_db(transaction=True)


# --- helpers -----------------------------------------------------------------


def assert_database_unavailable(response) -> dict:
    """503 database_unavailable as JSON: no token, no driver text, no SQL."""
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == UNAVAILABLE, body
    assert body["detail"]
    assert "token" not in body
    text = response.content.decode()
    assert DRIVER_MESSAGE not in text
    for leak in LEAKS:
        assert leak not in text, text
    return body


def is_audit_insert(sql: str) -> bool:
    text = sql.lstrip().upper()
    return text.startswith("INSERT") and '"TOKENS_TOKENEVENT"' in text


def login():
    return APIClient().post(
        LOGIN, {"username": "alice", "password": PASSWORD}, format="json"
    )


def freeze(monkeypatch, module, at: datetime) -> None:
    """`module` (only it) sees `timezone.now()` return `at`."""
    monkeypatch.setattr(module, "timezone", SimpleNamespace(now=lambda: at))


def decode_signed(token: str) -> dict:
    """The claims of a JWT signed with the test secret, whatever the real time.

    Tokens issued at a frozen time may not be valid yet (or any more) by the
    real clock; their times are asserted by the tests themselves.
    """
    claims = jwt.decode(
        token,
        settings.TWILIO["TWILIO_API_SECRET"][1],
        algorithms=["HS256"],
        options={
            "require": ["exp", "nbf", "iss", "sub", "jti"],
            "verify_exp": False,
            "verify_nbf": False,
        },
    )
    assert claims["iss"] == settings.TWILIO["TWILIO_API_KEY"][1]
    return claims


def whole_second(value: datetime) -> datetime:
    return value.replace(microsecond=0)


# --- the database fails while the service runs -------------------------------


@committing
def test_token_request_while_database_fails_is_refused_503_without_token(alice):
    client = bearer(api_token_for(alice))
    with database_failing():
        response = client.get("/token")

    assert_database_unavailable(response)
    assert response["Cache-Control"] == "no-store"
    assert not TokenEvent.objects.exists()


@committing
def test_post_token_while_database_fails_is_refused_503_without_token(alice):
    client = bearer(api_token_for(alice))
    with database_failing():
        response = client.post("/token", {"device": "phone"}, format="json")

    assert_database_unavailable(response)
    assert not TokenEvent.objects.exists()


@committing
def test_login_while_database_fails_is_refused_503_and_creates_no_session(alice):
    with database_failing():
        response = login()

    assert_database_unavailable(response)
    assert response["Cache-Control"] == "no-store"
    assert not ApiToken.objects.exists()


@committing
@pytest.mark.parametrize("path", ["/token", "/api/me/", "/"])
def test_a_logged_in_browser_while_database_fails_gets_503_not_500(alice, path):
    # With a session cookie, Django's CSRF check loads the session from the
    # database before any view runs.
    client = APIClient(raise_request_exception=False)
    client.force_login(alice)
    with database_failing():
        response = client.get(path, HTTP_SEC_FETCH_SITE="same-origin")

    assert_database_unavailable(response)
    assert not TokenEvent.objects.exists()


@committing
def test_health_check_while_database_fails_answers_503():
    with database_failing():
        response = APIClient().get("/healthz")

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == UNAVAILABLE
    assert body["status"] == "unavailable"
    assert DRIVER_MESSAGE not in response.content.decode()


@committing
def test_service_recovers_without_restart_once_database_answers_again(alice):
    client = bearer(api_token_for(alice))
    with database_failing():
        assert APIClient().get("/healthz").status_code == 503
        assert_database_unavailable(client.get("/token"))
        assert_database_unavailable(login())

    assert APIClient().get("/healthz").json() == {"status": "ok"}
    issued = client.get("/token")
    assert issued.status_code == 200, issued.content
    _, claims = decode(issued.json()["token"])
    assert claims["grants"]["identity"] == "alice"
    assert set(claims["grants"]) == {"identity", "chat"}
    logged_in = login()
    assert logged_in.status_code == 200, logged_in.content
    fresh = bearer(logged_in.json()["token"]).get("/token")
    assert fresh.status_code == 200, fresh.content
    jwts = [issued.json()["token"], fresh.json()["token"]]
    events = TokenEvent.objects.all()
    assert [event.outcome for event in events] == ["issued", "issued"]
    assert {event.jwt_sha256 for event in events} == {
        hashlib.sha256(token.encode()).hexdigest() for token in jwts
    }


@committing
def test_token_is_withheld_when_its_audit_record_cannot_be_written(alice):
    client = bearer(api_token_for(alice))
    with database_failing(only=is_audit_insert):
        response = client.get("/token")

    assert_database_unavailable(response)
    assert not TokenEvent.objects.exists()
    # The next request, with the database whole again, is issued and recorded.
    again = client.get("/token")
    assert again.status_code == 200, again.content
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["issued"]


# --- the database cannot be reached at all ------------------------------------

UNREACHABLE_SCRIPT = """
import json, time
import django
django.setup()
from django.test import Client

client = Client()
results = {}

def timed(name, call):
    started = time.monotonic()
    response = call()
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {"_raw": response.content[:300].decode(errors="replace")}
    results[name] = {
        "status": response.status_code,
        "code": body.get("code") if isinstance(body, dict) else None,
        "has_token": isinstance(body, dict) and "token" in body,
        "body": response.content[:500].decode(errors="replace"),
        "seconds": time.monotonic() - started,
    }

timed("healthz", lambda: client.get("/healthz"))
timed("token", lambda: client.get(
    "/token", HTTP_AUTHORIZATION="Token " + "ab" * 32))
timed("login", lambda: client.post(
    "/api/auth/login/",
    data=json.dumps({"username": "alice", "password": "whatever-it-is"}),
    content_type="application/json",
))
print("RESULTS " + json.dumps(results))
"""


def test_unreachable_database_answers_503_within_seconds_everywhere():
    done = run_python(
        "-c",
        UNREACHABLE_SCRIPT,
        env=local_server_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing"),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(
        line for line in done.stdout.splitlines() if line.startswith("RESULTS ")
    )
    results = json.loads(line.removeprefix("RESULTS "))

    assert set(results) == {"healthz", "token", "login"}
    for name, result in results.items():
        assert result["status"] == 503, (name, result)
        assert result["code"] == UNAVAILABLE, (name, result)
        assert not result["has_token"], (name, result)
        assert result["seconds"] < 5, (name, result)
        for leak in ("Traceback", "127.0.0.1", "port 1", "SELECT", "psycopg"):
            assert leak not in result["body"], (name, result)


# --- the clock: API token expiry ----------------------------------------------


@pytest.mark.parametrize(
    ("expiry_from_now", "accepted"),
    [
        pytest.param(timedelta(seconds=1), True, id="one-second-left"),
        pytest.param(timedelta(0), False, id="expiring-now"),
        pytest.param(timedelta(seconds=-1), False, id="expired-a-second-ago"),
    ],
)
def test_api_token_works_until_its_expiry_and_not_at_it(
    alice, monkeypatch, expiry_from_now, accepted
):
    now = whole_second(timezone.now())
    token = api_token_for(alice)
    ApiToken.objects.filter(user=alice).update(expiry=now + expiry_from_now)
    freeze(monkeypatch, tokens.api.authentication, now)

    response = bearer(token).get("/token")

    body = response.json()
    if accepted:
        assert response.status_code == 200, body
        _, claims = decode(body["token"])
        assert claims["grants"]["identity"] == "alice"
        assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["issued"]
    else:
        assert response.status_code == 401, body
        assert body["code"] == "token_expired"
        assert "token" not in body
        assert response["WWW-Authenticate"] == "Token"
        assert not TokenEvent.objects.exists()


def test_issued_token_is_valid_from_the_whole_second_it_was_issued(alice, client_for):
    before = int(time.time())
    response = client_for(alice).get("/token")
    after = time.time()

    assert response.status_code == 200, response.content
    body = response.json()
    _, claims = decode(body["token"])
    assert before <= claims["nbf"] <= after
    assert claims["nbf"] <= int(time.time())
    assert claims["exp"] == claims["nbf"] + body["ttl"]
    assert datetime.fromisoformat(body["expires_at"]) == datetime.fromtimestamp(
        claims["exp"], tz=UTC
    )
    event = TokenEvent.objects.get()
    assert event.outcome == "issued"
    assert event.created_at.timestamp() == claims["nbf"]
    assert event.expires_at.timestamp() == claims["exp"]


# --- the clock: room windows ---------------------------------------------------


@pytest.fixture
def window(alice, room):
    """Alice may join the room from an hour from now, for two hours."""
    starts = whole_second(timezone.now()) + timedelta(hours=1)
    access = RoomAccess.objects.create(
        room=room, user=alice, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    return access


@pytest.mark.parametrize(
    ("edge", "offset", "allowed"),
    [
        pytest.param("starts_at", -1, False, id="a-second-before-start"),
        pytest.param("starts_at", 0, True, id="at-start"),
        pytest.param("starts_at", 1, True, id="a-second-after-start"),
        pytest.param("ends_at", -1, True, id="a-second-before-end"),
        pytest.param("ends_at", 0, False, id="at-end"),
        pytest.param("ends_at", 1, False, id="a-second-after-end"),
    ],
)
def test_room_window_opens_at_its_start_and_closes_at_its_end(
    window, client_for, monkeypatch, edge, offset, allowed
):
    now = getattr(window, edge) + timedelta(seconds=offset)
    client = client_for(window.user)
    freeze(monkeypatch, tokens.api.views, now)

    response = client.get("/token", {"room": "standup"})

    body = response.json()
    if allowed:
        assert response.status_code == 200, body
        claims = decode_signed(body["token"])
        expected_ttl = min(
            settings.TOKENSERVER_DEFAULT_TTL,
            int((window.ends_at - now).total_seconds()),
        )
        assert body["ttl"] == expected_ttl
        assert claims["grants"]["video"] == {"room": "standup"}
        assert claims["nbf"] == int(now.timestamp())
        assert claims["exp"] == int(now.timestamp()) + expected_ttl
        assert claims["exp"] <= int(window.ends_at.timestamp())
        assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["issued"]
    else:
        assert response.status_code == 403, body
        assert body["code"] == "room_not_permitted"
        assert "token" not in body
        event = TokenEvent.objects.get()
        assert event.outcome == "room_not_permitted"
        assert event.jwt_sha256 == ""
        assert event.room == "standup"


def test_token_ten_minutes_before_the_window_ends_lives_ten_minutes(
    window, client_for, monkeypatch
):
    now = window.ends_at - timedelta(minutes=10)
    client = client_for(window.user)
    freeze(monkeypatch, tokens.api.views, now)

    response = client.get("/token", {"room": "standup"})

    assert response.status_code == 200, response.content
    body = response.json()
    claims = decode_signed(body["token"])
    assert body["ttl"] == 600
    assert claims["exp"] - claims["nbf"] == 600
    assert claims["exp"] == int(window.ends_at.timestamp())
    assert claims["grants"]["video"] == {"room": "standup"}
    assert TokenEvent.objects.get().ttl == 600


def test_a_bug_in_a_view_answers_500_json_without_its_message(alice, settings):
    """A bug (here: the JWT library failing) answers Django's handler500 in
    JSON, with nothing of the exception in it."""
    settings.DEBUG = False

    def broken(payload, key, **kwargs):  # PyJWT's encode, not ours
        raise RuntimeError("signing broke: secret-ish detail")

    client = bearer(api_token_for(alice))
    client.raise_request_exception = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("twilio.jwt.jwt_lib.encode", broken)
        response = client.get("/token")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error.", "code": "server_error"}
    assert b"signing broke" not in response.content
