"""Schemathesis against our own OpenAPI schema, with a valid API token.

Every operation in /api/schema/ gets generated requests, valid (positive) and
invalid (negative), sent through the real WSGI application: the examples,
coverage and fuzzing phases. Client authors rely on what the schema promises,
so every answer must be: no server error, a documented status code and content
type, a body that matches the documented schema, 405 for a method the
operation does not have, and invalid input refused.

On top of the schema, our own checks: a token from /token is the one its
answer and request describe (decoded and verified as Twilio would), every
refusal of /token is in the audit log once with its code, and a logout ends
the session it was sent with.
"""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from knox.settings import CONSTANTS
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.conftest import PASSWORD, decode
from tests.helpers import twilio
from tests.standins.oidc_provider import OidcProvider
from tokens import policy
from tokens.limits.throttles import LoginRateThrottle, TokenRateThrottle
from tokens.models import ApiToken, GrantRule, TokenEvent, User
from tokens.twilio import lease

MAX_EXAMPLES = 50
UNLIMITED = "1000000/min"
USERNAME = "dana"
MAX_TTL = 7200
TOKEN_PATH = "/token"
LOGOUT_PATH = "/api/auth/logout/"
LOGOUT_ALL_PATH = "/api/auth/logoutall/"
# The claim under `grants` that each grant name becomes in a Twilio token.
CLAIMS = {"video": "video", "voice": "voice", "chat": "chat", "sync": "data_sync"}
# Refusals decided by /token itself. 401 and 429 are answered before it, by
# authentication and throttling; neither fires here (valid token, no limit).
AUDITED_STATUSES = {400, 403, 415, 503}


# --- checks of our own -------------------------------------------------------


def every_error_is_json_with_a_code(ctx, response, case):
    """The documented error shape, whatever refused: `{"detail", "code"}` in JSON."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"a {response.status_code} answered with {content_type!r}, not JSON"
    )
    body = response.json()
    assert isinstance(body.get("detail"), str)
    assert isinstance(body.get("code"), str)
    if response.status_code == 405:
        assert body["code"] == "method_not_allowed"
    return None


def _sent_params(response) -> dict[str, str]:
    """The /token parameters as the server received them (query or body)."""
    request = response.request
    if request.method == "GET":
        query = parse_qs(urlsplit(request.url).query, keep_blank_values=True)
        return {name: values[0] for name, values in query.items()}
    body = request.body or b""
    text = body.decode() if isinstance(body, bytes) else body
    if request.headers.get("Content-Type", "").startswith("application/json"):
        return {name: str(value) for name, value in json.loads(text).items()}
    form = parse_qs(text, keep_blank_values=True)
    return {name: values[0] for name, values in form.items()}


def _is_token_request(response, case) -> bool:
    """A request to /token with the operation's method (not a probe of another)."""
    return (
        case.operation.path == TOKEN_PATH
        and response.request.method == case.operation.method.upper()
    )


def issued_token_is_what_answer_and_request_say(ctx, response, case):
    """A 200 from /token: a JWT Twilio accepts, as the body and request describe."""
    if not _is_token_request(response, case) or response.status_code != 200:
        return None
    body = response.json()
    sent = _sent_params(response)
    header, claims = decode(body["token"])
    assert header["cty"] == "twilio-fpa;v=1"
    assert claims["iss"] == twilio("TWILIO_API_KEY")
    assert claims["sub"] == twilio("TWILIO_ACCOUNT_SID")
    grants = claims["grants"]
    assert grants["identity"] == body["identity"] == USERNAME
    assert set(grants) == {"identity", *(CLAIMS[name] for name in body["grants"])}
    assert claims["exp"] - claims["nbf"] == body["ttl"]
    expires_at = datetime.fromtimestamp(claims["exp"], tz=UTC)
    assert body["expires_at"] == expires_at.isoformat().replace("+00:00", "Z")

    asked = sent.get("grants")
    wanted = {n.strip() for n in asked.split(",")} if asked else set(CLAIMS)
    assert set(body["grants"]) == wanted
    ttl = sent.get("ttl")
    expected_ttl = int(Decimal(ttl)) if ttl else django_settings.TOKENSERVER_DEFAULT_TTL
    assert body["ttl"] == expected_ttl
    assert body["room"] == sent.get("room")
    if "video" in body["grants"]:
        assert grants["video"] == ({"room": body["room"]} if body["room"] else {})
    if "voice" in body["grants"]:
        voice = grants["voice"]
        assert voice["outgoing"]["application_sid"] == twilio("TWILIO_TWIML_APP_SID")
        assert voice["incoming"]["allow"] is True
    if "chat" in body["grants"]:
        device = sent.get("device")
        endpoint = f"tokenserver:{USERNAME}:{device}" if device else None
        assert grants["chat"].get("endpoint_id") == endpoint
    return None


def token_answer_is_audited_once(ctx, response, case):
    """Every /token answer writes one audit row: `issued`, or the refusal's code."""
    if not _is_token_request(response, case):
        return None
    events = list(TokenEvent.objects.values_list("outcome", "jwt_sha256"))
    body = response.json()
    if response.status_code == 200:
        digest = hashlib.sha256(body["token"].encode()).hexdigest()
        assert events == [(TokenEvent.ISSUED, digest)]
    elif response.status_code in AUDITED_STATUSES:
        assert "token" not in body
        assert events == [(body["code"], "")], (
            f"refusal {body['code']!r} recorded as {events}"
        )
    return None


def logout_ends_the_session_it_was_sent_with(ctx, response, case):
    """A 204 from logout: the token sent stops working; logoutall ends every one."""
    if response.status_code != 204:
        return None
    sent = response.request.headers["Authorization"].split()[1]
    used = ApiToken.objects.filter(token_key=sent[: CONSTANTS.TOKEN_KEY_LENGTH])
    others = ApiToken.objects.filter(user__username=USERNAME).exclude(
        token_key=sent[: CONSTANTS.TOKEN_KEY_LENGTH]
    )
    if case.operation.path == LOGOUT_PATH:
        assert not used.exists(), "the token used still works after logout"
        assert others.exists(), "logout ended the user's other sessions too"
    elif case.operation.path == LOGOUT_ALL_PATH:
        assert not used.exists(), "the token used still works after logoutall"
        assert not others.exists(), "another session survived logoutall"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    # The schema's description promises `405 method_not_allowed` for any
    # method an endpoint does not support.
    unsupported_method,
    every_error_is_json_with_a_code,
    issued_token_is_what_answer_and_request_say,
    token_answer_is_audited_once,
    logout_ends_the_session_it_was_sent_with,
]


# --- the schema and the application -----------------------------------------

# Loaded once, at collection, from the schema the application serves (no
# database needed); every operation becomes a test of its own. The
# fixture-based loader (`schemathesis.pytest.from_fixture`) cannot run under
# pytest 9.2: Schemathesis 4.32.5 reads `Node._nodeid`, which pytest renamed.
APP = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    # The test sends a valid token: a generated Authorization header would
    # only ever get the 401, never reach the operation.
    with_security_parameters=False,
    # The same examples on every run, so CI is reproducible: a failure is a
    # change in the code or the schema, never the luck of the draw.
    deterministic=True,
    # No example database: a failure seen once is not replayed from disk.
    database="none",
)


@pytest.fixture(autouse=True)
def _app_in_test_transaction(db, monkeypatch):
    """The WSGI application, sharing the test's database transaction, unthrottled.

    Django closes the database connection when a request starts and ends,
    which would end the test's transaction; its own test client disconnects
    the same handler. The throttles get a rate no run reaches: the examples
    test the answers, not the rate limits (tests/api/test_login.py tests those).
    """
    rates = {"token": UNLIMITED, "login": UNLIMITED}
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", rates)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def power_user(db):
    """A user who may get every grant, in any room, for up to two hours."""
    user = User.objects.create_user(USERNAME, password=PASSWORD)
    GrantRule.objects.create(
        user=user,
        video=policy.VIDEO_ANY,
        voice_outgoing=True,
        voice_incoming=True,
        chat=True,
        sync=True,
        max_ttl=MAX_TTL,
    )
    return user


def fresh_session(user) -> str:
    """Reset what one example can change; return a new API token of `user`.

    Throttle and lockout counters, the audit log and the API tokens: so a
    lockout, an audit row or a logout from an earlier example cannot decide
    this one's answer. A second session lets logout show it ends only one.
    """
    cache.clear()
    TokenEvent.objects.all().delete()
    ApiToken.objects.filter(user=user).delete()
    ApiToken.objects.create(user=user, device="other")
    _, token = ApiToken.objects.create(user=user)
    return token


def send_with_a_fresh_token(case, user) -> None:
    token = fresh_session(user)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


# The user and the patched rates are shared by the examples on purpose;
# `fresh_session` resets what an example can change.
fuzz = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
FUZZED = set()


def each_example_of(operation_id: str):
    """One test per operation: a test id of its own in every report."""
    FUZZED.add(operation_id)
    return schema.include(operation_id=operation_id).parametrize()


@fuzz
@each_example_of("token_get")
def test_get_token_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("token_post")
def test_post_token_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("login")
def test_login_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@pytest.fixture
def oidc_provider(settings):
    """The stand-in identity provider, so examples reach the verification."""
    provider = OidcProvider()
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_AUDIENCES = [provider.audience]
    yield provider
    provider.close()


@fuzz
@each_example_of("oidc_login")
def test_oidc_login_answers_as_documented_and_refuses_invalid_input(
    case, power_user, oidc_provider
):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("logout")
def test_logout_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("logout_all")
def test_logout_all_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("me")
def test_me_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("healthz")
def test_healthz_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("healthz_live")
def test_liveness_answers_as_documented_and_refuses_invalid_input(case, power_user):
    send_with_a_fresh_token(case, power_user)


@fuzz
@each_example_of("healthz_ready")
def test_readiness_answers_as_documented_and_refuses_invalid_input(case, power_user):
    # The worker just passed: readiness is 200, the answer fuzzed here (its
    # 503s are tests/web/test_health_probes.py's).
    assert lease.acquire("worker:1", now=timezone.now(), seconds=30)
    send_with_a_fresh_token(case, power_user)


def test_every_operation_in_the_schema_is_fuzzed():
    operations = {
        operation["operationId"]
        for methods in schema.raw_schema["paths"].values()
        for operation in methods.values()
    }

    assert operations == FUZZED


# Random credentials never log in: the one success, in both documented bodies.
@pytest.mark.parametrize(
    "media_type", ["application/json", "application/x-www-form-urlencoded"]
)
def test_a_successful_login_answers_as_documented_with_a_working_token(
    power_user, media_type
):
    fresh_session(power_user)
    login = schema["/api/auth/login/"]["POST"].Case(
        body={"username": USERNAME, "password": PASSWORD, "device": "laptop"},
        media_type=media_type,
    )

    response = login.call_and_validate(checks=CHECKS)

    assert response.status_code == 200
    assert response.json()["identity"] == USERNAME
    token = response.json()["token"]
    me = schema["/api/me/"]["GET"].Case()
    answer = me.call_and_validate(
        headers={"Authorization": f"Token {token}"}, checks=CHECKS
    )
    assert answer.status_code == 200
    assert answer.json()["identity"] == USERNAME
    assert ApiToken.objects.filter(user=power_user, device="laptop").count() == 1


# Found by the fuzzing above (negative_data_rejection, with other seeds): JSON
# has types, and the schema says `room` and `device` are strings and `ttl` an
# integer. A value of another type is a client bug to report, not to guess at:
# a room kept as the number 7 instead of "007" would lock the token to "7".
@pytest.mark.parametrize(
    ("name", "value"), [("room", 7), ("device", 7), ("ttl", "1800")]
)
def test_a_json_parameter_of_the_wrong_type_is_refused_not_coerced(
    power_user, name, value
):
    token = fresh_session(power_user)
    request = schema[TOKEN_PATH]["POST"].Case(
        body={name: value}, media_type="application/json"
    )

    response = request.call_and_validate(
        headers={"Authorization": f"Token {token}"}, checks=CHECKS
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [name]
    assert "token" not in body
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["invalid"]
