"""Production behaviour: request ids and logs, JSON logs, CORS, HTTPS, SQLite."""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, decode
from tests.helpers import FAKE_TWILIO, run_python, server_env
from tokens.logs import JsonFormatter
from tokens.models import TokenEvent

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

FRESH_ID = re.compile(r"[0-9a-f]{32}")
REQUEST_LOGGER = "tokenserver.requests"
APP_ORIGIN = "https://app.example.com"


# --- helpers -----------------------------------------------------------------


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == REQUEST_LOGGER]


def only_request_record(caplog) -> logging.LogRecord:
    records = request_records(caplog)
    assert len(records) == 1, [record.getMessage() for record in records]
    return records[0]


def everything_logged(record: logging.LogRecord) -> str:
    """All a log handler could write for `record`: message, extras, arguments."""
    return "\n".join(
        [record.getMessage(), JsonFormatter().format(record), repr(vars(record))]
    )


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert "token" not in body
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == [code]


DUMP_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": repr(settings.SECURE_PROXY_SSL_HEADER),
    "CORS_ALLOWED_ORIGINS": settings.CORS_ALLOWED_ORIGINS,
    "NUM_PROXIES": settings.REST_FRAMEWORK["NUM_PROXIES"],
    "TWILIO_API_SECRET": settings.TWILIO["TWILIO_API_SECRET"],
    "LOG_FORMATTER": settings.LOGGING["handlers"]["console"]["formatter"],
}))
"""


def production_settings(**overrides: str | None) -> dict:
    result = run_python("-c", DUMP_SETTINGS, env=server_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- request id --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/token", 401),
        ("/no-such-page", 404),
        ("/accounts/login/", 200),
    ],
)
def test_every_response_carries_a_fresh_request_id(db, path, status):
    client = APIClient()

    first = client.get(path)
    second = client.get(path)

    assert first.status_code == second.status_code == status
    assert FRESH_ID.fullmatch(first["X-Request-ID"])
    assert FRESH_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "incoming",
    [
        "abc-123",
        "Req_1.2-x",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "x" * 64,
        "7",
    ],
)
def test_a_valid_incoming_request_id_is_echoed_and_logged(db, caplog, incoming):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = APIClient().get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert response.status_code == 200
    assert response["X-Request-ID"] == incoming
    assert only_request_record(caplog).request_id == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "has space",
        "x" * 65,
        "bell\x07char",
        "forged\nINFO tokenserver.requests GET /admin 200",
        "header\r\nSet-Cookie: a=b",
        "id;drop",
        "caf\u00e9",
    ],
)
def test_an_invalid_incoming_request_id_is_replaced_by_a_fresh_one(
    db, caplog, incoming
):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = APIClient().get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert response.status_code == 200
    assert FRESH_ID.fullmatch(response["X-Request-ID"])
    assert response["X-Request-ID"] != incoming
    record = only_request_record(caplog)
    assert record.request_id == response["X-Request-ID"]
    assert incoming not in everything_logged(record)


# --- the request log ---------------------------------------------------------


def test_refused_room_request_is_logged_once_with_its_code_and_user(
    alice, client_for, caplog
):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = client_for(alice).get("/token", {"room": "secret-room-name"})

    assert_refused(response, 403, "room_not_permitted")
    record = only_request_record(caplog)
    assert record.request_id == response["X-Request-ID"]
    assert record.method == "GET"
    assert record.path == "/token"
    assert record.status == 403
    assert record.code == "room_not_permitted"
    assert record.user_id == alice.pk
    assert isinstance(record.latency_ms, int | float)
    assert record.latency_ms >= 0


def test_request_log_line_never_holds_the_query_string(alice, client_for, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = client_for(alice).get("/token", {"room": "secret-room-name"})

    assert_refused(response, 403, "room_not_permitted")
    logged = everything_logged(only_request_record(caplog))
    assert "secret-room-name" not in logged
    assert "room=" not in logged
    assert "?" not in logged


def test_issued_token_request_is_logged_as_ok(alice_in_room, client_for, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = client_for(alice_in_room.user).get("/token", {"room": "standup"})

    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}
    record = only_request_record(caplog)
    assert record.status == 200
    assert record.code == "ok"
    assert record.user_id == alice_in_room.user.pk
    assert record.path == "/token"
    assert "standup" not in everything_logged(record)


def test_anonymous_request_is_logged_without_a_user(db, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = APIClient().get("/token")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "token" not in response.json()
    assert not TokenEvent.objects.exists()
    record = only_request_record(caplog)
    assert record.status == 401
    assert record.code == "not_authenticated"
    assert record.user_id is None


def test_error_pages_outside_the_api_are_not_logged_as_ok(db, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = APIClient().get("/no-such-page")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    record = only_request_record(caplog)
    assert record.status == 404
    # The body's code, or at least the status: never "ok".
    assert record.code in {"not_found", "404"}
    assert record.user_id is None


def test_no_log_record_holds_a_password_api_token_jwt_or_twilio_secret(
    alice_in_room, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    wrong_password = "wrong-password-that-must-not-be-logged"
    client = APIClient()

    failed = client.post(
        "/api/auth/login/",
        {"username": "alice", "password": wrong_password},
        format="json",
    )
    login = client.post(
        "/api/auth/login/",
        {"username": "alice", "password": PASSWORD},
        format="json",
    )
    api_token = login.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    issued = client.get("/token", {"room": "standup"})

    assert failed.status_code == 401
    assert login.status_code == 200, login.content
    assert issued.status_code == 200, issued.content
    jwt = issued.json()["token"]
    _, claims = decode(jwt)
    assert claims["grants"]["video"] == {"room": "standup"}
    assert len(request_records(caplog)) == 3
    secrets = {
        "password": PASSWORD,
        "wrong password": wrong_password,
        "API token": api_token,
        "JWT": jwt,
        "Twilio API secret": settings.TWILIO["TWILIO_API_SECRET"][1],
    }
    for record in caplog.records:
        logged = everything_logged(record)
        leaked = [name for name, value in secrets.items() if value in logged]
        assert not leaked, (leaked, record.name, record.getMessage())


def test_json_log_lines_of_a_refused_room_request_do_not_name_the_room(
    alice, client_for, caplog
):
    """With DJANGO_LOG_FORMAT=json every record is written by JsonFormatter:
    none of them may carry the query string (it names rooms)."""
    caplog.set_level(logging.DEBUG)

    response = client_for(alice).get("/token", {"room": "secret-room-name"})

    assert_refused(response, 403, "room_not_permitted")
    assert caplog.records
    for record in caplog.records:
        line = JsonFormatter().format(record)
        assert "secret-room-name" not in line, (record.name, line)


# --- JSON log format ---------------------------------------------------------


def make_record(
    msg="%s %s %s",
    args=("GET", "/token", 403),
    extra=None,
    *,
    level=logging.INFO,
    exc_info=None,
):
    return logging.getLogger(REQUEST_LOGGER).makeRecord(
        REQUEST_LOGGER, level, __file__, 1, msg, args, exc_info, extra=extra
    )


@pytest.mark.parametrize(
    ("msg", "args", "extra", "message"),
    [
        (
            "%s %s %s",
            ("GET", "/token", 403),
            {
                "request_id": "abc",
                "method": "GET",
                "path": "/token",
                "status": 403,
                "code": "room_not_permitted",
                "user_id": 7,
                "latency_ms": 1.25,
            },
            "GET /token 403",
        ),
        ("%s %s %s", ("GET", "/healthz", 200), {"user_id": None}, "GET /healthz 200"),
        ("plain message", (), {}, "plain message"),
        ("two\nlines", (), {"code": "ok"}, "two\nlines"),
    ],
)
def test_json_formatter_writes_one_line_of_json_with_the_extras(
    msg, args, extra, message
):
    record = make_record(msg, args, extra)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message", *extra}
    assert entry["level"] == "INFO"
    assert entry["logger"] == REQUEST_LOGGER
    assert entry["message"] == message
    assert datetime.fromisoformat(entry["time"]) == datetime.fromtimestamp(
        record.created, UTC
    )
    for name, value in extra.items():
        assert entry[name] == value


def test_json_formatter_leaves_out_extras_that_are_not_plain_values():
    """Objects such as Django's request would print the query string."""
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    record = make_record(extra={"at": when, "where": Path("/srv"), "kept": 3})

    entry = json.loads(JsonFormatter().format(record))

    assert "at" not in entry
    assert "where" not in entry
    assert entry["kept"] == 3


def test_json_formatter_includes_the_exception_on_the_same_line():
    try:
        raise ValueError("boom with detail")
    except ValueError:
        record = make_record(
            "failed",
            (),
            {"request_id": "r1"},
            level=logging.ERROR,
            exc_info=sys.exc_info(),
        )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["request_id"] == "r1"
    assert "Traceback" in entry["exception"]
    assert "ValueError: boom with detail" in entry["exception"]


def test_json_formatter_leaves_out_exception_when_there_is_none():
    entry = json.loads(JsonFormatter().format(make_record(extra={})))

    assert "exception" not in entry


# --- CORS --------------------------------------------------------------------


def preflight(path: str, origin: str, headers: str = "authorization"):
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def allowed_headers(response) -> set[str]:
    value = response.get("Access-Control-Allow-Headers", "")
    return {name.strip().lower() for name in value.split(",") if name.strip()}


@pytest.mark.parametrize("path", ["/token", "/api/me/", "/api/auth/login/"])
def test_listed_origin_may_call_the_api_with_an_authorization_header(
    db, settings, path
):
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN]

    response = preflight(path, APP_ORIGIN, "authorization, content-type")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert {"authorization", "content-type"} <= allowed_headers(response)
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response
    assert not TokenEvent.objects.exists()


def test_listed_origin_can_read_the_issued_token(alice_in_room, client_for, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN]

    response = client_for(alice_in_room.user).get(
        "/token", {"room": "standup"}, HTTP_ORIGIN=APP_ORIGIN
    )

    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["video"] == {"room": "standup"}
    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN


def exposed_headers(response) -> set[str]:
    value = response.get("Access-Control-Expose-Headers", "")
    return {name.strip().lower() for name in value.split(",") if name.strip()}


def test_listed_origin_can_read_retry_after_and_the_request_id(db, settings):
    """A web client told to wait Retry-After seconds must be able to read it:
    browsers hide every response header not exposed to the origin."""
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN]
    client = APIClient()

    refused = client.get("/token", HTTP_ORIGIN=APP_ORIGIN)

    assert refused.status_code == 401
    assert refused["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert refused["WWW-Authenticate"].startswith("Token")
    assert {"retry-after", "www-authenticate", "x-request-id"} <= exposed_headers(
        refused
    )


def test_unlisted_origin_is_exposed_no_headers(db, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN]

    response = APIClient().get("/token", HTTP_ORIGIN="https://evil.example.com")

    assert response.status_code == 401
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Expose-Headers" not in response


@pytest.mark.parametrize(
    ("listed", "origin"),
    [
        ([APP_ORIGIN], "https://evil.example.com"),
        ([APP_ORIGIN], "http://app.example.com"),
        ([APP_ORIGIN], "https://app.example.com.evil.test"),
        ([], APP_ORIGIN),
    ],
)
def test_unlisted_origin_gets_no_cors_permission(db, settings, listed, origin):
    settings.CORS_ALLOWED_ORIGINS = listed

    response = preflight("/token", origin)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response
    assert not TokenEvent.objects.exists()


def test_by_default_no_origin_gets_cors_permission(db):
    response = preflight("/token", APP_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/admin/login/", "/accounts/login/", "/"])
def test_pages_outside_the_api_get_no_cors_headers_even_for_a_listed_origin(
    db, settings, path
):
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN]

    asked = preflight(path, APP_ORIGIN)
    fetched = Client().get(path, HTTP_ORIGIN=APP_ORIGIN)

    for response in (asked, fetched):
        assert "Access-Control-Allow-Origin" not in response
        assert "Access-Control-Allow-Headers" not in response


# --- HTTPS -------------------------------------------------------------------


def test_healthz_answers_over_plain_http_while_the_api_redirects_to_https(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()

    health = client.get("/healthz")
    token = client.get("/token", {"room": "standup"})

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert token.status_code == 301
    assert token["Location"] == "https://testserver/token?room=standup"
    assert not TokenEvent.objects.exists()


def test_api_over_https_is_not_redirected_and_gets_hsts(db, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/token", secure=True)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert (
        int(re.fullmatch(r"max-age=(\d+).*", response["Strict-Transport-Security"])[1])
        == settings.SECURE_HSTS_SECONDS
    )
    assert settings.SECURE_HSTS_SECONDS > 0


@pytest.mark.parametrize(
    ("proxy_header", "status"),
    [
        (None, 301),
        (("HTTP_X_FORWARDED_PROTO", "https"), 401),
    ],
)
def test_forwarded_proto_is_trusted_only_when_a_proxy_header_is_configured(
    db, settings, proxy_header, status
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = proxy_header

    response = Client().get("/token", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == status


def test_production_settings_default_to_https_and_no_trusted_proxies():
    values = production_settings()

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["SECURE_PROXY_SSL_HEADER"] == "None"
    assert values["CORS_ALLOWED_ORIGINS"] == []
    assert values["NUM_PROXIES"] == 0
    assert values["LOG_FORMATTER"] == "text"


def test_proxy_ssl_header_and_json_logs_are_read_from_the_environment():
    values = production_settings(
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        DJANGO_LOG_FORMAT="json",
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == repr(
        ("HTTP_X_FORWARDED_PROTO", "https")
    )
    assert values["LOG_FORMATTER"] == "json"


def test_secrets_starting_with_a_dollar_are_used_verbatim():
    key = "$notavariable-secret-key-0123456789-${ALSO_NOT}"
    twilio_secret = "$twilio-secret-with-dollar"

    values = production_settings(DJANGO_SECRET_KEY=key, TWILIO_API_SECRET=twilio_secret)

    assert values["SECRET_KEY"] == key
    assert values["TWILIO_API_SECRET"] == ["TWILIO_API_SECRET", twilio_secret]


@pytest.mark.parametrize("secret_key", [None, "", "   "])
def test_production_settings_refuse_to_load_without_a_secret_key(secret_key):
    twilio_secret = "twilio-secret-that-must-not-be-printed"
    env = server_env(DJANGO_SECRET_KEY=secret_key, TWILIO_API_SECRET=twilio_secret)

    result = run_python("-c", DUMP_SETTINGS, env=env)

    assert result.returncode != 0
    assert result.stdout == ""
    assert "ConfigError: DJANGO_SECRET_KEY must be set" in result.stderr
    assert twilio_secret not in result.stderr


# --- SQLite ------------------------------------------------------------------


PROBE_SQLITE = """
import json, sqlite3
import django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0,
                        isolation_level=None)
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other_writer = "free"
    except sqlite3.OperationalError as exc:
        other_writer = str(exc)
print(json.dumps({
    "journal_mode": journal_mode,
    "transaction_mode": connection.settings_dict["OPTIONS"].get("transaction_mode"),
    "other_writer": other_writer,
}))
"""


def test_migrated_sqlite_database_uses_wal_and_immediate_transactions(tmp_path):
    env = server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **FAKE_TWILIO)

    migrated = run_python("manage.py", "migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    probe = run_python("-c", PROBE_SQLITE, env=env)
    assert probe.returncode == 0, probe.stderr
    values = json.loads(probe.stdout)

    assert values["journal_mode"] == "wal"
    assert values["transaction_mode"] == "IMMEDIATE"
    # A transaction takes the write lock at once: other writers wait for it.
    assert values["other_writer"] == "database is locked"
