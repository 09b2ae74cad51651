"""The OpenAPI schema at /api/schema/ and the docs at /api/docs/.

The schema is what client authors read: it must validate, list every endpoint,
and agree with the real responses, tokens/errors.py and the README tables.
"""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework import exceptions
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, decode
from tests.helpers import ROOT, logged_in
from tokens import credentials, errors
from tokens.api.docs.me import MeSerializer, RoomEntrySerializer
from tokens.issuing.params import TOKEN_FIELDS
from tokens.models import TokenEvent
from tokenserver.gunicorn_errors import ANSWERS, SERVER_ERROR

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

LOGIN = "/api/auth/login/"
README = ROOT / "README.md"

ENDPOINTS = {
    ("/api/auth/login/", "post"),
    ("/api/auth/oidc/", "post"),
    ("/api/auth/logout/", "post"),
    ("/api/auth/logoutall/", "post"),
    ("/token", "get"),
    ("/token", "post"),
    ("/api/me/", "get"),
    ("/healthz", "get"),
    ("/healthz/live", "get"),
    ("/healthz/ready", "get"),
}

TOKEN_CODES = {
    "400": ["invalid", "room_required"],
    "401": ["not_authenticated", "authentication_failed", "token_expired"],
    "403": [
        "room_not_permitted",
        "grant_not_permitted",
        "no_grants",
        "identity_mismatch",
        "cross_site_request",
    ],
    "429": ["throttled"],
    "503": [
        "twilio_not_configured",
        "grant_not_configured",
        "rate_limit_unavailable",
    ],
}
TOKEN_POST_CODES = {
    **TOKEN_CODES,
    "403": [*TOKEN_CODES["403"], "permission_denied"],
    "415": ["unsupported_media_type"],
}
LOGIN_CODES = {
    "400": ["invalid", "parse_error"],
    "401": ["invalid_credentials"],
    "403": ["too_many_sessions", "cross_site_request"],
    "415": ["unsupported_media_type"],
    "429": ["throttled", "login_locked"],
    "503": ["rate_limit_unavailable"],
}
SIGNED_IN_CODES = {
    "401": ["not_authenticated", "authentication_failed", "token_expired"]
}
ME_CODES = {**SIGNED_IN_CODES, "403": ["cross_site_request"]}


def table(path: str, method: str, codes: dict[str, list[str]]):
    return [
        pytest.param(path, method, status, code, id=f"{method}-{path}-{status}-{code}")
        for status, names in codes.items()
        for code in names
    ]


def operation(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][path][method]


def component(schema: dict, ref_holder: dict) -> dict:
    ref = ref_holder["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def json_schema(schema: dict, op: dict, status: str) -> dict:
    return component(
        schema, op["responses"][status]["content"]["application/json"]["schema"]
    )


@pytest.fixture
def fresh_generator_stats():
    """Warnings from schemas generated earlier in the session must not count."""
    GENERATOR_STATS.reset()
    yield
    GENERATOR_STATS.reset()


# The CI gate: the schema validates and generates without a single warning.


@pytest.mark.usefixtures("fresh_generator_stats")
def test_schema_command_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert text.startswith("openapi: 3.")
    assert "/token:" in text


@pytest.mark.usefixtures("fresh_generator_stats")
def test_served_schema_is_the_one_the_command_validates(tmp_path, schema):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(target),
    )
    assert json.loads(target.read_text()) == schema


# What the schema lists.


def test_schema_is_public_and_lists_exactly_the_endpoints_of_the_contract(schema):
    listed = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert listed == ENDPOINTS


@pytest.mark.parametrize(
    "accept", ["application/json", "application/vnd.oai.openapi+json"]
)
def test_schema_is_served_as_json_on_request_by_accept_header(db, accept):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_token_get_documents_every_parameter_in_the_query_string(schema):
    op = operation(schema, "/token", "get")
    query = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    assert set(query) == set(TOKEN_FIELDS)
    assert all(not p.get("required", False) for p in query.values())
    assert query["ttl"]["schema"]["type"] == "integer"
    assert query["ttl"]["schema"]["minimum"] == 180
    assert query["ttl"]["schema"]["maximum"] == 86400
    assert all(p.get("description") for p in query.values())
    assert "requestBody" not in op


def test_token_post_takes_the_same_parameters_as_json_or_form(schema):
    op = operation(schema, "/token", "post")
    content = op["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
    for media in content.values():
        body = component(schema, media["schema"])
        assert set(body["properties"]) == set(TOKEN_FIELDS)
        assert not body.get("required")
    assert not [p for p in op.get("parameters", []) if p["in"] == "query"]


def test_login_takes_username_password_and_an_optional_device(schema):
    op = operation(schema, "/api/auth/login/", "post")
    assert "security" not in op  # no API token or session needed to log in
    body = component(schema, op["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"username", "password", "device", "platform"}
    assert set(body["required"]) == {"username", "password"}
    ok = json_schema(schema, op, "200")
    assert set(ok["required"]) == {"token", "expiry", "identity"}


@pytest.mark.parametrize("path", ["/api/auth/logout/", "/api/auth/logoutall/"])
def test_logout_answers_204_without_a_body_and_needs_an_api_token(schema, path):
    op = operation(schema, path, "post")
    assert "content" not in op["responses"]["204"]
    assert "requestBody" not in op
    assert op["security"] == [{"Token": []}]


@pytest.mark.parametrize(
    ("path", "method", "status", "code"),
    table("/token", "get", TOKEN_CODES)
    + table("/token", "post", TOKEN_POST_CODES)
    + table("/api/auth/login/", "post", LOGIN_CODES)
    + table("/api/auth/logout/", "post", SIGNED_IN_CODES)
    + table("/api/auth/logoutall/", "post", SIGNED_IN_CODES)
    + table("/api/me/", "get", ME_CODES),
)
def test_each_refusal_lists_its_code_under_its_status_with_the_error_body(
    schema, path, method, status, code
):
    response = operation(schema, path, method)["responses"][status]
    assert f"`{code}`" in response["description"]
    error = json_schema(schema, operation(schema, path, method), status)
    assert set(error["required"]) == {"detail", "code"}
    assert "fields" in error["properties"]
    examples = response["content"]["application/json"]["examples"]
    assert code in {example["value"]["code"] for example in examples.values()}


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/token", "get", TOKEN_CODES),
        ("/token", "post", TOKEN_POST_CODES),
        ("/api/auth/login/", "post", LOGIN_CODES),
        ("/api/me/", "get", ME_CODES),
    ],
)
def test_no_other_error_status_is_documented(schema, path, method, codes):
    statuses = set(operation(schema, path, method)["responses"]) - {"200"}
    assert statuses == set(codes)


def test_token_get_never_documents_a_csrf_refusal(schema):
    """Only a session POST checks CSRF: a GET is never `permission_denied`."""
    description = operation(schema, "/token", "get")["responses"]["403"]["description"]
    assert "permission_denied" not in description


# Refusals about the request body can only happen on POST.
BODY_ONLY = {errors.UnsupportedBody.default_code}


def test_every_token_refusal_in_errors_py_is_documented_on_both_methods(schema):
    refusals = {
        cls.default_code: cls.status_code for cls in _subclasses(errors.TokenRefused)
    }
    assert refusals, "tokens.errors defines the /token refusals"
    for method in ("get", "post"):
        responses = operation(schema, "/token", method)["responses"]
        for code, status in refusals.items():
            if method == "get" and code in BODY_ONLY:
                continue
            assert f"`{code}`" in responses[str(status)]["description"], (method, code)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def readme_error_codes() -> list[tuple[str, str]]:
    """(status, code) rows of the README's "Error codes" table."""
    section = README.read_text().split("### Error codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d{3}) \| ([^|]+) \|", section, flags=re.MULTILINE)
    return [
        (status, code)
        for status, codes in rows
        for code in re.findall(r"`(\w+)`", codes)
    ]


def test_readme_error_table_has_rows():
    assert ("403", "room_not_permitted") in readme_error_codes()


# Answered by any endpoint, or by gunicorn before any endpoint sees the
# request: in the API's description, not under an operation.
SERVER_WIDE = {("405", "method_not_allowed"), ("500", SERVER_ERROR[0])} | {
    (str(status), code) for status, (code, _) in ANSWERS.items()
}


@pytest.mark.parametrize(("status", "code"), readme_error_codes())
def test_every_error_code_of_the_readme_is_in_the_schema_under_its_status(
    schema, status, code
):
    if f"`{status} {code}`" in schema["info"]["description"]:
        return  # any endpoint, or gunicorn before any, may answer it
    documented = [
        response["description"]
        for item in schema["paths"].values()
        for op in item.values()
        for key, response in op["responses"].items()
        if key == status
    ]
    assert any(f"`{code}`" in text for text in documented)


def error_codes_of_errors_py() -> set[str]:
    """Every code tokens/errors.py answers: its exceptions' and its handlers'."""
    classes = {
        cls.default_code
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, exceptions.APIException)
        and cls.__module__ == errors.__name__
        and "default_code" in vars(cls)  # not TokenRefused's inherited "error"
    }
    source = Path(errors.__file__).read_text()
    handlers = set(re.findall(r'json_error\(\s*\d{3},\s*"(\w+)"', source))
    return classes | handlers


def readme_table_codes() -> set[str]:
    """Codes in any of the README's error tables (the API's, the webhooks')."""
    rows = re.findall(r"^\| \d{3} \| ([^|]+) \|", README.read_text(), re.MULTILINE)
    return {code for codes in rows for code in re.findall(r"`(\w+)`", codes)}


# Codes of tokens/errors.py that no endpoint answers yet: documented when
# one does. (twilio_unavailable is /token's since it creates rooms.)
NOT_ANSWERED_YET: set[str] = set()


def test_every_error_code_of_errors_py_is_in_the_readme_table():
    codes = error_codes_of_errors_py()
    assert {"grant_not_configured", "bad_request", "not_found"} <= codes
    assert codes - readme_table_codes() == NOT_ANSWERED_YET


def test_codes_not_answered_yet_are_raised_by_no_view():
    views = [
        ROOT / "tokens" / "api" / "views.py",
        ROOT / "tokens" / "web" / "views.py",
        ROOT / "tokens" / "twilio" / "views.py",
        *(ROOT / "tokens" / "issuing").glob("*.py"),
    ]
    source = "\n".join(path.read_text() for path in views)
    raised = {
        cls.default_code: name
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, exceptions.APIException)
    }
    for code in NOT_ANSWERED_YET:
        assert raised[code] not in source


def test_every_error_code_of_the_readme_is_answered_by_the_code():
    drf = {
        cls.default_code
        for cls in vars(exceptions).values()
        if isinstance(cls, type) and issubclass(cls, exceptions.APIException)
    }
    root = README.parent
    source = "\n".join(
        path.read_text()
        for folder in ("tokens", "tokenserver")
        for path in (root / folder).rglob("*.py")
        if "migrations" not in path.parts
    )
    literals = set(re.findall(r'"(\w+)"', source))
    documented = {code for _, code in readme_error_codes()}
    assert documented - drf - literals == set()


def readme_endpoint_row(endpoint: str) -> str:
    return next(
        line for line in README.read_text().splitlines() if line.startswith(endpoint)
    )


def test_readme_describes_every_field_of_api_me():
    row = readme_endpoint_row("| `GET /api/me/` |")
    for name in MeSerializer().fields:
        assert f"`{name}`" in row, name
    for state in RoomEntrySerializer().fields["state"].choices:
        assert f"`{state}`" in row, state


def test_readme_gives_the_length_rule_of_the_api_secret():
    row = readme_endpoint_row("| `TWILIO_API_SECRET` |")
    assert credentials.SECRET_FORMAT[1] in row


# The schema agrees with what the server really answers.


def test_token_200_schema_matches_a_real_token_response(
    schema, alice, alice_in_room, client_for
):
    ok = json_schema(schema, operation(schema, "/token", "get"), "200")
    assert {"identity", "token"} <= set(ok["required"])

    response = client_for(alice).get("/token", {"room": "standup", "device": "iphone"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(ok["properties"])
    assert set(ok["required"]) == set(body)
    _, claims = decode(body["token"])
    assert claims["grants"]["identity"] == body["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}
    assert body["room"] == "standup"
    assert set(body["grants"]) <= set(schema["components"]["schemas"]["Grant"]["enum"])


def test_documented_error_body_matches_a_real_refusal(schema, bob, client_for):
    response = client_for(bob).get("/token")

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "no_grants"
    assert "token" not in body
    error = json_schema(schema, operation(schema, "/token", "get"), "403")
    assert set(error["required"]) <= set(body) <= set(error["properties"])
    assert (
        "`no_grants`"
        in operation(schema, "/token", "get")["responses"]["403"]["description"]
    )
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["no_grants"]


def test_documented_validation_error_matches_a_real_one(schema, alice, client_for):
    response = client_for(alice).get("/token", {"ttl": "5"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "token" not in body
    error = json_schema(schema, operation(schema, "/token", "get"), "400")
    assert set(body) == set(error["properties"])  # detail, code and fields
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == ["invalid"]


def test_login_200_schema_matches_a_real_login(schema, alice):
    response = APIClient().post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    ok = json_schema(schema, operation(schema, "/api/auth/login/", "post"), "200")
    assert set(response.json()) == set(ok["properties"]) == set(ok["required"])


@pytest.mark.parametrize("mode", ["configured", "demo"])
def test_me_schema_matches_a_real_response(
    request, schema, alice, alice_in_room, client_for, mode
):
    if mode == "demo":
        request.getfixturevalue("demo")
    me = json_schema(schema, operation(schema, "/api/me/", "get"), "200")

    response = client_for(alice).get("/api/me/")

    assert response.status_code == 200
    body = response.json()
    assert set(me["required"]) <= set(body) <= set(me["properties"])
    assert ("warning" in body) == (mode == "demo")
    assert body["demo"] == (mode == "demo")
    room_entry = component(schema, me["properties"]["rooms"]["items"])
    assert [set(room) for room in body["rooms"]] == [set(room_entry["properties"])]
    states = schema["components"]["schemas"]["StateEnum"]["enum"]
    assert body["rooms"][0]["state"] in states


def test_healthz_schema_matches_a_real_answer(schema):
    ok = operation(schema, "/healthz", "get")["responses"]["200"]
    documented = ok["content"]["application/json"]["schema"]

    response = APIClient().get("/healthz")

    assert response.status_code == 200
    assert set(response.json()) == set(documented["properties"])
    assert operation(schema, "/healthz", "get")["security"] == []


@pytest.mark.parametrize("path", ["/healthz/live", "/healthz/ready"])
def test_probe_schemas_match_real_answers(schema, path):
    ok = operation(schema, path, "get")["responses"]["200"]
    documented = ok["content"]["application/json"]["schema"]

    response = APIClient().get(path)

    assert response.status_code == 200
    assert set(response.json()) == set(documented["properties"])


# Authentication schemes.


def test_schema_describes_the_api_token_header_and_the_session_cookie(schema, settings):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["Token"]["type"] == "apiKey"
    assert schemes["Token"]["in"] == "header"
    assert schemes["Token"]["name"] == "Authorization"
    assert "Token <token>" in schemes["Token"]["description"]
    assert schemes["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": settings.SESSION_COOKIE_NAME,
        "description": schemes["cookieAuth"]["description"],
    }
    for path, method in [("/token", "get"), ("/token", "post"), ("/api/me/", "get")]:
        assert operation(schema, path, method)["security"] == [
            {"Token": []},
            {"cookieAuth": []},
        ]


def test_documented_token_header_authenticates_for_real(schema, alice, alice_in_room):
    login = APIClient().post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    header = schema["components"]["securitySchemes"]["Token"]["name"]
    client = APIClient()
    client.credentials(**{f"HTTP_{header.upper()}": f"Token {login.json()['token']}"})

    response = client.get("/token", {"room": "standup"})

    assert response.status_code == 200
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == "alice"


# The interactive docs.


def test_docs_page_serves_swagger_ui_from_local_static_files(db):
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html
    assert "unpkg" not in html
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("drf_spectacular_sidecar/")
        assert finders.find(asset), f"missing static file {asset}"
    assert "/api/schema/" in html


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_docs_open_for_a_logged_in_browser_following_a_link_from_elsewhere(alice, path):
    browser = logged_in(alice)

    response = browser.get(path, headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "method"), [("/token", "get"), ("/token", "post"), (LOGIN, "post")]
)
def test_every_documented_503_says_it_carries_retry_after(schema, path, method):
    header = operation(schema, path, method)["responses"]["503"]["headers"]
    assert f"`{errors.RETRY_AFTER_SECONDS}`" in header["Retry-After"]["description"]


def test_readme_gives_the_retry_after_of_every_503():
    section = README.read_text().split("### Error codes", 1)[1].split("\n## ", 1)[0]
    assert f"`Retry-After: {errors.RETRY_AFTER_SECONDS}`" in section


def test_default_grant_set_rule_is_told_in_the_schema_and_the_readme(schema):
    # No `grants` asked: unconfigured grants are left out silently, unless
    # nothing else remains (503 grant_not_configured).
    params = operation(schema, "/token", "get")["parameters"]
    grants = next(p for p in params if p["name"] == "grants")["description"]
    refused = operation(schema, "/token", "get")["responses"]["503"]["description"]
    readme = README.read_text()
    for text in (grants, refused, readme):
        assert "left out" in text
        assert "silently" in text
    assert "`grant_not_configured`" in grants
    assert "no `grants` was asked for" in refused
    assert "no `grants` was asked for" in readme
