"""Hostile input at the authentication boundary: /token, /api/me/ and login.

Every refusal here is JSON `{"detail", "code"}` without a token, writes
nothing but the audit row of an authenticated /token refusal, and leaves no
secret (the Twilio API secret, the caller's API token) in the body or in what
a log handler would write.
"""

import io
import json
import logging
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token_for, decode
from tests.helpers import assert_error_shape, bearer, logged_in, page_csrf_token, twilio
from tokens.limits import throttles
from tokens.logs import JsonFormatter
from tokens.models import ApiToken, GrantRule, Room, TokenEvent, User

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

TOKEN = "/token"
ME = "/api/me/"
LOGIN = "/api/auth/login/"
FORM = "application/x-www-form-urlencoded"
TRANSPORTS = ["query", "json", "form"]
THREE_MB = 3 * 1024 * 1024


# --- helpers -----------------------------------------------------------------


def send(client: APIClient, transport: str, params, path: str = TOKEN):
    """Send `params` (a dict or a list of pairs) in a query, a JSON body or a form."""
    if transport == "query":
        return client.get(f"{path}?{urlencode(params)}")
    if transport == "form":
        return client.post(path, urlencode(params), content_type=FORM)
    return client.post(path, json.dumps(dict(params)), content_type="application/json")


def assert_json_error(response, *statuses: int) -> dict:
    """A JSON error body with a detail and a code, and never a token."""
    assert response.status_code in statuses, response.content[:500]
    return assert_error_shape(response)


def assert_invalid(response, field: str) -> dict:
    body = assert_json_error(response, 400)
    assert body["code"] == "invalid", body
    assert field in body.get("fields", {}), body
    return body


def assert_refusal_recorded(user: User, code: str) -> None:
    """Exactly one audit row: the refusal, with the body's code, and no JWT."""
    rows = list(TokenEvent.objects.values_list("user_id", "outcome", "jwt_sha256"))
    assert rows == [(user.pk, code, "")]


def assert_nothing_written() -> None:
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == []


def written_logs(caplog) -> str:
    """All that the configured text and JSON log handlers would write."""
    text = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"])
    lines = [caplog.text]
    for record in caplog.records:
        lines += [text.format(record), JsonFormatter().format(record)]
    return "\n".join(lines)


def assert_no_secret(response, caplog, *api_tokens: str) -> None:
    secrets = {"Twilio API secret": twilio("TWILIO_API_SECRET")}
    secrets.update({f"API token {i}": token for i, token in enumerate(api_tokens)})
    places = {
        "body": response.content.decode("utf-8", "replace"),
        "logs": written_logs(caplog),
    }
    leaks = [
        (name, place)
        for name, value in secrets.items()
        for place, text in places.items()
        if value in text
    ]
    assert not leaks


# --- fixtures ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")


@pytest.fixture
def alice_token(alice_in_room) -> str:
    """Alice's API token; she may join 'standup' (listed rooms) and chat."""
    return api_token_for(alice_in_room.user)


@pytest.fixture
def alice_api(alice_token) -> APIClient:
    return bearer(alice_token)


@pytest.fixture
def dora(db) -> User:
    """A user who may join any room."""
    user = User.objects.create_user("dora", password=PASSWORD)
    GrantRule.objects.create(user=user, video="any", chat=True)
    return user


# --- malformed values --------------------------------------------------------


HOSTILE_VALUES = [
    # room
    ("room", "a" * 129, "room-129"),
    ("room", "a" * 100_000, "room-100k"),
    ("room", "", "room-empty"),
    ("room", "   ", "room-spaces"),
    ("room", "stand\tup", "room-tab"),
    ("room", "standup\n", "room-trailing-newline"),
    ("room", "\nstandup", "room-leading-newline"),
    ("room", "stand\x00up", "room-nul"),
    ("room", "\u202estandup", "room-bidi-override"),
    ("room", "stand\u200bup", "room-zero-width-space"),
    ("room", "caf\u0065\u0301", "room-decomposed"),
    ("room", "caf\u00e9", "room-composed"),
    ("room", "\uff53\uff54\uff41\uff4e\uff44\uff55\uff50", "room-fullwidth"),
    # device
    ("device", "d" * 65, "device-65"),
    ("device", "d" * 100_000, "device-100k"),
    ("device", "", "device-empty"),
    ("device", "   ", "device-spaces"),
    ("device", "ip\tad", "device-tab"),
    ("device", "ipad\n", "device-trailing-newline"),
    ("device", "ipad\x00", "device-nul"),
    ("device", "\u202eipad", "device-bidi-override"),
    ("device", "caf\u0065\u0301", "device-decomposed"),
    ("device", "\uff49\uff50\uff41\uff44", "device-fullwidth"),
    # grants
    # 65 characters of valid names: "chat," * 13 was refused for its empty last name.
    ("grants", ",".join(["video"] * 11), "grants-65"),
    ("grants", "chat," * 20_000, "grants-100k"),
    ("grants", "", "grants-empty"),
    ("grants", "   ", "grants-spaces"),
    ("grants", "chat,,video", "grants-empty-name"),
    ("grants", "chat\x07", "grants-bell"),
    ("grants", "chat\x1f", "grants-unit-separator"),
    ("grants", "chat\n", "grants-trailing-newline"),
    ("grants", "chat\x00", "grants-nul"),
    ("grants", "\u202echat", "grants-bidi-override"),
    ("grants", "ch\u0061\u0300t", "grants-decomposed"),
    ("grants", "\uff43\uff48\uff41\uff54", "grants-fullwidth"),
    # ttl
    ("ttl", "9" * 2000, "ttl-2000-digits"),
    ("ttl", "", "ttl-empty"),
    ("ttl", "   ", "ttl-spaces"),
    ("ttl", "600\n", "ttl-trailing-newline"),
    ("ttl", "6\x0000", "ttl-nul"),
    ("ttl", "\u202e600", "ttl-bidi-override"),
    ("ttl", "\uff11\uff18\uff10", "ttl-fullwidth-digits"),
    ("ttl", "\u0666\u0660\u0660", "ttl-arabic-indic-digits"),
    ("ttl", "1_800", "ttl-underscore"),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("field", "value"),
    [pytest.param(field, value, id=name) for field, value, name in HOSTILE_VALUES],
)
def test_malformed_value_is_refused_as_invalid_naming_the_field(
    alice_api, alice_token, caplog, transport, field, value
):
    response = send(alice_api, transport, {field: value})

    assert_invalid(response, field)
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), "invalid")


# --- rooms that look like SQL or LIKE patterns ------------------------------

# (name, well-formed room name?)
PATTERN_ROOMS = [
    ("' OR 1=1 --", False),
    ("standup' --", False),
    ("standup;DROP TABLE tokens_room", False),
    ("%", False),
    ("stand%", False),
    ("%standup%", False),
    ("_", False),
    ("_tandup", False),
    ("*", False),
    ("stand*", False),
    ("[s]tandup", False),
    ("standup\\", False),
    ("standup\n", False),
    ("stand_p", True),
    ("standu_", True),
    ("s_a_d_p", True),
    ("STANDUP", True),
    ("Standup", True),
    ("standup.", True),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("name", "well_formed"),
    [pytest.param(name, ok, id=name) for name, ok in PATTERN_ROOMS],
)
def test_listed_rooms_user_never_gets_standup_by_a_pattern(
    alice_api, alice_token, caplog, transport, name, well_formed
):
    response = send(alice_api, transport, {"room": name})

    alice = User.objects.get(username="alice")
    if well_formed:
        body = assert_json_error(response, 403)
        assert body["code"] == "room_not_permitted"
        assert_refusal_recorded(alice, "room_not_permitted")
    else:
        assert_invalid(response, "room")
        assert_refusal_recorded(alice, "invalid")
    assert_no_secret(response, caplog, alice_token)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("name", "well_formed"),
    [pytest.param(name, ok, id=name) for name, ok in PATTERN_ROOMS],
)
def test_any_room_user_gets_exactly_the_room_named_never_a_pattern_match(
    dora, caplog, transport, name, well_formed
):
    # The only stored room is inactive: a pattern matching it would refuse.
    Room.objects.create(name="standup", active=False)
    token = api_token_for(dora)

    response = send(bearer(token), transport, {"room": name})

    if well_formed:
        assert response.status_code == 200, response.content
        body = response.json()
        _, claims = decode(body["token"])
        assert body["room"] == name
        assert claims["grants"]["video"] == {"room": name}
        assert claims["grants"]["identity"] == "dora"
        assert list(TokenEvent.objects.values_list("outcome", "room")) == [
            ("issued", name)
        ]
    else:
        assert_invalid(response, "room")
        assert_refusal_recorded(dora, "invalid")
    assert_no_secret(response, caplog, token)


# --- repeated and numerous parameters ----------------------------------------


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [("room", "other", "standup"), ("ttl", "600", "900"), ("grants", "chat", "video")],
)
@pytest.mark.parametrize("transport", ["query", "form"])
def test_parameter_given_twice_is_invalid(
    alice_api, alice_token, caplog, transport, field, first, second
):
    response = send(alice_api, transport, [(field, first), (field, second)])

    assert_invalid(response, field)
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), "invalid")


@pytest.mark.parametrize("field", ["room", "ttl", "grants"])
def test_json_key_given_twice_is_invalid_naming_it(
    alice_api, alice_token, caplog, field
):
    raw = f'{{"{field}": "x", "{field}": "standup"}}'

    response = alice_api.post(TOKEN, raw, content_type="application/json")

    assert_invalid(response, field)
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), "invalid")


def many_fields(count: int = 1500) -> str:
    return urlencode([(f"k{i}", "v") for i in range(count)] + [("room", "standup")])


def test_1500_query_parameters_are_a_json_400_not_html(alice_api, alice_token, caplog):
    response = alice_api.get(f"{TOKEN}?{many_fields()}")

    body = assert_json_error(response, 400)
    assert body["code"] == "bad_request"
    assert_no_secret(response, caplog, alice_token)
    # Refused before the API token is even read: nothing to record.
    assert_nothing_written()


def test_1500_form_fields_to_token_are_a_json_400_recorded_as_a_refusal(
    alice_api, alice_token, caplog
):
    response = alice_api.post(TOKEN, many_fields(), content_type=FORM)

    body = assert_json_error(response, 400)
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), body["code"])


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/json", json.dumps({"room": "standup", "pad": "x" * THREE_MB})),
        (FORM, urlencode({"room": "standup", "pad": "x" * THREE_MB})),
    ],
    ids=["json", "form"],
)
def test_3mb_body_to_token_is_a_json_400_or_413_recorded_as_a_refusal(
    alice_api, alice_token, caplog, content_type, raw
):
    response = alice_api.post(TOKEN, raw, content_type=content_type)

    body = assert_json_error(response, 400, 413)
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), body["code"])


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        (
            FORM,
            urlencode([("username", "alice"), ("password", PASSWORD)])
            + "&"
            + many_fields(),
        ),
        (
            "application/json",
            json.dumps(
                {"username": "alice", "password": PASSWORD, "pad": "x" * THREE_MB}
            ),
        ),
    ],
    ids=["1500-form-fields", "3mb-json"],
)
def test_oversized_login_is_a_json_400_and_logs_nobody_in(
    alice, caplog, content_type, raw
):
    response = APIClient().post(LOGIN, raw, content_type=content_type)

    body = assert_json_error(response, 400)
    assert body["code"] in ("invalid", "parse_error"), body  # codes README lists
    assert PASSWORD not in written_logs(caplog)
    assert_no_secret(response, caplog)
    assert not ApiToken.objects.exists()


# --- bodies that are not a JSON object or a form ----------------------------


@pytest.mark.parametrize(
    "raw",
    [
        '"standup"',
        "null",
        "42",
        "4.2",
        "true",
        '["room", "standup"]',
        "[" * 10_000 + "]" * 10_000,
        '{"room": ' * 10_000 + '"standup"' + "}" * 10_000,
        '{"room": "standup"',
    ],
    ids=[
        "string",
        "null",
        "integer",
        "float",
        "boolean",
        "array",
        "arrays-10000-deep",
        "objects-10000-deep",
        "truncated",
    ],
)
def test_json_body_that_is_not_an_object_is_invalid(
    alice_api, alice_token, caplog, raw
):
    response = alice_api.post(TOKEN, raw, content_type="application/json")

    assert_invalid(response, "body")
    assert_refusal_recorded(User.objects.get(username="alice"), "invalid")
    assert_no_secret(response, caplog, alice_token)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/octet-stream",
    ],
)
def test_unsupported_content_type_is_a_json_refusal_recorded_once(
    alice_api, alice_token, caplog, content_type
):
    response = alice_api.post(TOKEN, "room=standup", content_type=content_type)

    body = assert_json_error(response, 400, 415)
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), body["code"])


def assert_issued_for_alice(response, room: str | None = "standup") -> None:
    """A token for alice: video in `room`, or (room None) no other room."""
    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == "alice"
    if room is None:
        assert claims["grants"].get("video", {"room": "standup"}) == {"room": "standup"}
    else:
        assert claims["grants"]["video"] == {"room": room}
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["issued"]


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/json; charset=utf-16", '{"room": "standup"}'.encode("utf-16")),
        ("application/json; charset=latin-1", b'{"room": "standup"}'),
        (f"{FORM}; charset=utf-16", "room=standup".encode("utf-16")),
        (f"{FORM}; charset=latin-1", b"room=standup"),
    ],
    ids=["json-utf-16", "json-latin-1", "form-utf-16", "form-latin-1"],
)
def test_declared_charset_is_honoured(
    alice_api, alice_token, caplog, content_type, raw
):
    response = alice_api.post(TOKEN, raw, content_type=content_type)

    assert_issued_for_alice(response)
    assert_no_secret(response, caplog, alice_token)


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        (
            "application/json; charset=latin-1",
            '{"room": "caf\u00e9"}'.encode("latin-1"),
        ),
        ("application/json; charset=utf-16", b'{"room": "standup"}'),
        ("application/json", b'{"room": "stand\xffup"}'),
        (FORM, b"room=stand\xffup"),
        (FORM, b"room=stand%FFup"),
    ],
    ids=[
        "latin-1-non-ascii-room",
        "utf-8-declared-utf-16",
        "json-not-utf-8",
        "form-not-utf-8",
        "form-escaped-not-utf-8",
    ],
)
def test_body_in_another_charset_never_decodes_to_a_valid_room(
    alice_api, alice_token, caplog, content_type, raw
):
    response = alice_api.post(TOKEN, raw, content_type=content_type)

    body = assert_json_error(response, 400)
    assert body["code"] == "invalid"
    assert_no_secret(response, caplog, alice_token)
    assert_refusal_recorded(User.objects.get(username="alice"), "invalid")


@pytest.mark.parametrize("body_type", ["application/json", FORM])
@pytest.mark.parametrize(
    "charset",
    ["bogus", "", "utf-8; charset=utf-16", "x" * 300],
    ids=["bogus", "empty", "two-charsets", "300-characters"],
)
def test_unknown_charset_is_a_clean_answer_never_a_server_error(
    alice_api, alice_token, caplog, body_type, charset
):
    raw = '{"room": "standup"}' if body_type == "application/json" else "room=standup"

    response = alice_api.post(
        TOKEN, raw.encode(), content_type=f"{body_type}; charset={charset}"
    )

    if response.status_code == 200:
        # Read as some charset: at most the room sent, never another one.
        assert_issued_for_alice(response, room=None)
    else:
        body = assert_json_error(response, 400, 415)
        assert_refusal_recorded(User.objects.get(username="alice"), body["code"])
    assert_no_secret(response, caplog, alice_token)


def wsgi_call(path: str, query: str, content_type: str, api_token: str):
    """The production WSGI entry point, called as a server calls it."""
    from tokenserver.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_AUTHORIZATION": f"Token {api_token}",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    started = []
    # As Django's test client does: the test's database connection (inside the
    # test's transaction) must not be closed by the request_started signal.
    request_started.disconnect(close_old_connections)
    try:
        answer = application(environ, lambda status, headers: started.append(status))
        body = b"".join(answer)
    finally:
        request_started.connect(close_old_connections)
    return started[0], json.loads(body)


@pytest.mark.parametrize(
    "charset",
    [
        *("rot13", "hex", "base64", "zlib", "idna", "punycode", "undefined"),
        # Unknown: Django ignored it and read the body as UTF-8 (a token).
        *("no-such-codec", '"no-such-codec"'),
        *("utf-8", '"UTF-8"', "latin-1"),
    ],
)
def test_a_charset_that_is_not_a_text_encoding_is_415_not_the_servers_500(
    alice_token, charset
):
    # Django decodes the query string with the declared charset before any of
    # its handlers run: LookupError, which only the server would catch.
    status, body = wsgi_call(
        TOKEN, "room=standup", f"application/json; charset={charset}", alice_token
    )

    if charset.strip('"').lower() in ("utf-8", "latin-1"):
        assert status.startswith("200"), body
        assert body["room"] == "standup"
    else:
        assert status.startswith("415"), body
        assert body["code"] == "unsupported_media_type"
        assert "token" not in body
        assert_nothing_written()


@pytest.mark.parametrize("path", [TOKEN, ME, LOGIN])
def test_a_format_no_renderer_serves_is_a_404_with_a_code(alice_api, path):
    # DRF's ?format= raises Django's Http404, which carried no `code`.
    if path == LOGIN:
        response = alice_api.post(f"{path}?format=xml", {}, format="json")
    else:
        response = alice_api.get(path, {"format": "xml"})

    body = assert_json_error(response, 404)
    assert body["code"] == "not_found"
    assert_nothing_written()


def test_a_newline_in_the_path_cannot_forge_a_request_log_line(alice_api, caplog):
    forged = "2030-01-01 00:00:00,000 INFO tokenserver.requests POST /x 200"
    alice_api.get(f"/token%0A{forged.replace(' ', '%20')}")

    text = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"])
    lines = [
        text.format(record)
        for record in caplog.records
        if record.name == "tokenserver.requests"
    ]
    assert len(lines) == 1
    assert "\n" not in lines[0]
    assert "\\n" + forged in lines[0]  # shown escaped, on the request's own line


# --- methods -----------------------------------------------------------------


UNSUPPORTED = [
    (path, method)
    for path in (TOKEN, ME)
    for method in ("PUT", "PATCH", "DELETE", "TRACE", "PROPFIND")
] + [(LOGIN, method) for method in ("GET", "PUT", "PATCH", "DELETE", "TRACE")]


@pytest.mark.parametrize(("path", "method"), UNSUPPORTED)
def test_unsupported_method_is_405_json(alice_api, alice_token, caplog, path, method):
    body = {"room": "standup", "username": "alice", "password": PASSWORD}
    response = alice_api.generic(
        method, path, json.dumps(body), content_type="application/json"
    )

    body = assert_json_error(response, 405)
    assert body["code"] == "method_not_allowed"
    assert method not in response["Allow"]
    assert_no_secret(response, caplog, alice_token)
    assert_nothing_written()
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("path", [TOKEN, ME, LOGIN])
def test_options_describes_the_endpoint_without_acting(alice_api, alice_token, path):
    response = alice_api.options(path)

    assert response.status_code == 200, response.content
    body = response.json()
    assert "token" not in body
    assert twilio("TWILIO_API_SECRET") not in response.content.decode()
    assert alice_token not in response.content.decode()
    assert_nothing_written()
    assert ApiToken.objects.count() == 1


# HEAD /token would sign and record a token only to drop it: it is refused.
@pytest.mark.parametrize(("path", "status"), [(TOKEN, 405), (ME, 200), (LOGIN, 405)])
def test_head_answers_like_get_without_a_body(alice_api, path, status):
    response = alice_api.head(path)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.content == b""
    assert ApiToken.objects.count() == 1


# --- host header -------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["evil.example", "testserver.evil.example", "testserver:80@evil.example", "[::1"],
)
@pytest.mark.parametrize(
    ("method", "path"), [("GET", TOKEN), ("GET", "/"), ("POST", LOGIN), ("GET", ME)]
)
def test_wrong_host_is_a_json_400_and_nothing_happens(
    alice_api, alice_token, caplog, host, method, path
):
    body = json.dumps({"username": "alice", "password": PASSWORD})

    response = alice_api.generic(
        method, path, body, content_type="application/json", HTTP_HOST=host
    )

    body = assert_json_error(response, 400)
    assert body == {"detail": "Bad request.", "code": "bad_request"}
    assert PASSWORD not in written_logs(caplog)
    assert_no_secret(response, caplog, alice_token)
    assert_nothing_written()
    assert ApiToken.objects.count() == 1


# --- credentials in the wrong place ------------------------------------------


@pytest.mark.parametrize("name", ["token", "auth_token", "access_token"])
@pytest.mark.parametrize(
    "where", ["get-query", "post-query", "form-body", "json-body", "me-query"]
)
def test_api_token_outside_the_authorization_header_is_never_accepted(
    alice_in_room, caplog, name, where
):
    token = api_token_for(alice_in_room.user)
    client = APIClient()
    if where == "get-query":
        response = client.get(f"{TOKEN}?{name}={token}")
    elif where == "post-query":
        response = client.post(f"{TOKEN}?{name}={token}", {}, format="json")
    elif where == "form-body":
        response = client.post(TOKEN, urlencode({name: token}), content_type=FORM)
    elif where == "json-body":
        response = client.post(TOKEN, {name: token, "room": "standup"}, format="json")
    else:
        response = client.get(f"{ME}?{name}={token}")

    body = assert_json_error(response, 401)
    assert body["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"
    assert_no_secret(response, caplog, token)
    assert_nothing_written()


# --- CSRF across browser sessions --------------------------------------------


# The CSRF secret lives in the session (CSRF_USE_SESSIONS): a planted cookie is
# ignored, so only another session's token in the header can be tried.
@pytest.mark.parametrize("swap", ["other-header", "other-cookie-and-header"])
def test_session_post_with_another_sessions_csrf_token_is_forbidden(
    alice_in_room, dora, caplog, swap
):
    alice_browser = Client(enforce_csrf_checks=True)
    alice_browser.force_login(alice_in_room.user)
    dora_browser = Client(enforce_csrf_checks=True)
    dora_browser.force_login(dora)
    alices = page_csrf_token(alice_browser)
    doras = page_csrf_token(dora_browser)
    if swap in ("other-cookie", "other-cookie-and-header"):
        alice_browser.cookies[settings.CSRF_COOKIE_NAME] = doras
    header = alices if swap == "other-cookie" else doras

    response = alice_browser.post(
        TOKEN,
        {"room": "standup"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=header,
    )

    body = assert_json_error(response, 403)
    assert body["code"] == "permission_denied"
    assert "CSRF" in body["detail"]
    assert_no_secret(response, caplog)
    assert_nothing_written()


# --- throttling by user, whatever the address --------------------------------


def test_rotating_x_forwarded_for_and_sessions_does_not_escape_the_user_throttle(
    monkeypatch, alice_in_room, caplog
):
    monkeypatch.setattr(
        throttles.TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"}
    )
    alice = alice_in_room.user
    tokens = [api_token_for(alice) for _ in range(5)]
    answers = [
        bearer(token).get(
            TOKEN,
            {"room": "standup"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.{i}",
            REMOTE_ADDR=f"192.0.2.{i}",
        )
        for i, token in enumerate(tokens)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    for refused in answers[3:]:
        body = assert_json_error(refused, 429)
        assert body["code"] == "throttled"
        assert_no_secret(refused, caplog, *tokens)
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["issued"] * 3


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "DELETE", "HEAD"])
def test_options_and_refused_methods_do_not_spend_the_token_budget(
    monkeypatch, alice_in_room, method
):
    monkeypatch.setattr(
        throttles.TokenRateThrottle, "THROTTLE_RATES", {"token": "2/min"}
    )
    client = bearer(api_token_for(alice_in_room.user))
    for _ in range(3):
        client.generic(method, TOKEN)

    answers = [client.get(TOKEN, {"room": "standup"}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]


# --- login -------------------------------------------------------------------


@pytest.mark.parametrize(
    "device",
    [
        "ipad\x00",
        "\u202eipad",
        "ip ad",
        "\uff49\uff50\uff41\uff44",
        "caf\u0065\u0301",
        "d" * 65,
    ],
    ids=[
        "nul",
        "bidi-override",
        "space",
        "fullwidth",
        "decomposed",
        "65",
    ],
)
@pytest.mark.parametrize("transport", ["json", "form"])
def test_login_with_a_malformed_device_is_invalid_and_creates_no_session(
    alice, caplog, transport, device
):
    body = {"username": "alice", "password": PASSWORD, "device": device}

    response = send(APIClient(), transport, body, path=LOGIN)

    assert_invalid(response, "device")
    assert PASSWORD not in written_logs(caplog)
    assert_no_secret(response, caplog)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "username",
    [
        "alice\n",
        "ALICE",
        "ali_e",
        "ali%",
        "%",
        "alice' --",
        "' OR '1'='1",
        "alice'; DROP TABLE tokens_user; --",
        "\u202ealice",
        "\uff41\uff4c\uff49\uff43\uff45",
    ],
)
def test_login_username_matches_exactly_never_by_pattern_or_case(
    alice, caplog, username
):
    response = APIClient().post(
        LOGIN, {"username": username, "password": PASSWORD}, format="json"
    )

    body = assert_json_error(response, 401)
    assert body["code"] == "invalid_credentials"
    assert PASSWORD not in written_logs(caplog)
    assert_no_secret(response, caplog)
    assert not ApiToken.objects.exists()


# Origin and Sec-Fetch-Site headers (tokens/api/authentication.py from_other_site)

MALFORMED_ORIGINS = ["http://[", "https://[::1", "\x00", "//", "http://a b", "ä://x"]


@pytest.mark.parametrize("origin", MALFORMED_ORIGINS)
@pytest.mark.parametrize("site", [None, "cross-site", "x" * 300])
def test_login_with_a_malformed_origin_is_refused_as_another_sites(
    alice, settings, origin, site
):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    headers = {"HTTP_ORIGIN": origin}
    if site:
        headers["HTTP_SEC_FETCH_SITE"] = site
    response = Client().post(
        "/api/auth/login/",
        json.dumps({"username": "alice", "password": PASSWORD}),
        content_type="application/json",
        **headers,
    )

    body = assert_json_error(response, 403)
    assert body["code"] == "cross_site_request"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("origin", MALFORMED_ORIGINS)
@pytest.mark.parametrize(("method", "path"), [("post", TOKEN), ("get", "/api/me/")])
def test_session_request_with_a_malformed_origin_is_refused(
    alice, origin, method, path
):
    browser = logged_in(alice)

    response = getattr(browser, method)(path, HTTP_ORIGIN=origin)

    body = assert_json_error(response, 403)
    assert body["code"] == "cross_site_request"
    assert_nothing_written()
