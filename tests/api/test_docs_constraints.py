"""The documented constraints of /token and the login are the validators' own.

The expected patterns and lengths are read from the fields that validate
(tokens.issuing.params, tokens.api.serializers), never written here, so the
schema and the checks cannot drift apart. Then values on both sides of each
documented constraint go to /token: what the documentation accepts, /token
takes; what it refuses, /token refuses as `invalid`, naming the parameter.
OpenAPI's `pattern` is ECMA-262; Python's `re.fullmatch` of a `^...$`
pattern made of ASCII classes decides as ECMA-262 does, and node, when
installed, checks that too.

The JSON and form body schema (the TokenParams component) does not say
`minLength: 1` as the query parameters do: drf-spectacular adds it to
components only with ENFORCE_NON_BLANK_FIELDS, which would also add it to
every response string. An empty value is refused in every transport.
"""

import json
import re
import shutil
import subprocess
from urllib.parse import urlencode

import pytest
from django.core.validators import RegexValidator
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.conftest import api_token_for
from tests.helpers import bearer
from tokens import errors, policy
from tokens.api.serializers import LoginSerializer
from tokens.issuing.params import TOKEN_PARAM_FIELDS, parse_token_params
from tokens.models import GrantRule, User

FORM = "application/x-www-form-urlencoded"
STRING_PARAMS = ("room", "device", "grants", "identity")
# Values on both sides of each constraint; the verdict comes from the schema.
SAMPLES = {
    "room": [
        "a",
        "Standup.2024_b-c",
        "a" * 128,
        "a" * 129,
        "",
        "-standup",
        ".standup",
        "stand up",
        "standup\n",
        "\nstandup",
        "caf\u00e9",
    ],
    "device": [
        "d",
        "iphone_7.b-c",
        "d" * 64,
        "d" * 65,
        "",
        "my phone",
        "ipad\n",
        "ipad\x00",
        "\uff49\uff50\uff41\uff44",
    ],
    "identity": ["i", "x" * 484, "x" * 485, ""],
}


def components(schema: dict) -> dict:
    return schema["components"]["schemas"]


def query_params(schema: dict) -> dict[str, dict]:
    parameters = schema["paths"]["/token"]["get"]["parameters"]
    return {p["name"]: p for p in parameters if p["in"] == "query"}


def query_schemas(schema: dict) -> dict[str, dict]:
    return {name: p["schema"] for name, p in query_params(schema).items()}


def body_schemas(schema: dict) -> dict[str, dict]:
    return components(schema)["TokenParams"]["properties"]


def regex_of(field) -> str | None:
    """The Python pattern of the field's RegexValidator, if it has one."""
    found = [v.regex.pattern for v in field.validators if isinstance(v, RegexValidator)]
    assert len(found) <= 1
    return found[0] if found else None


def ecma(python_pattern: str) -> str:
    r"""The ECMA-262 form of an `\A...\Z` pattern: `^` and `$` (no `\A` or `\Z`)."""
    match = re.fullmatch(r"\\A(.*)\\Z", python_pattern)
    assert match, f"validator pattern not anchored with \\A and \\Z: {python_pattern}"
    return f"^{match[1]}$"


def documented_accepts(constraints: dict, value: str) -> bool:
    """Whether a client checking the documented string schema sends `value`."""
    if not constraints.get("minLength", 0) <= len(value):
        return False
    if len(value) > constraints.get("maxLength", len(value)):
        return False
    pattern = constraints.get("pattern")
    return pattern is None or re.fullmatch(pattern, value) is not None


# --- the documentation says what the validators check ------------------------


@pytest.mark.parametrize("name", STRING_PARAMS)
def test_documented_string_constraints_are_the_validating_fields(schema, name):
    field = TOKEN_PARAM_FIELDS[name]
    query, body = query_schemas(schema)[name], body_schemas(schema)[name]

    assert query["maxLength"] == body["maxLength"] == field.max_length
    pattern = regex_of(field)
    if pattern is None:
        assert "pattern" not in query
        assert "pattern" not in body
    else:
        assert query["pattern"] == body["pattern"] == ecma(pattern)
    description = query_params(schema)[name]["description"]
    assert description == body["description"] == field.help_text


def test_documented_patterns_use_no_python_only_syntax(schema):
    documented = [
        *(query_schemas(schema).values()),
        *(body_schemas(schema).values()),
        *(components(schema)["Login"]["properties"].values()),
    ]
    patterns = [s["pattern"] for s in documented if "pattern" in s]
    assert len(patterns) == 5  # room and device, twice; the login's device
    for pattern in patterns:
        assert pattern.startswith("^")
        assert pattern.endswith("$")
        assert not re.search(r"\\[AZz]|\(\?P|\(\?<?[=!]?[a-zA-Z]", pattern)


def test_login_device_is_documented_as_the_token_device(schema):
    login = components(schema)["Login"]["properties"]
    device = LoginSerializer().fields["device"]

    assert login["device"]["pattern"] == ecma(regex_of(device))
    assert login["device"]["pattern"] == body_schemas(schema)["device"]["pattern"]
    assert login["device"]["maxLength"] == device.max_length
    assert regex_of(device) == regex_of(TOKEN_PARAM_FIELDS["device"])


def test_documented_ttl_range_is_the_one_policy_lets_through(schema):
    for documented in (query_schemas(schema)["ttl"], body_schemas(schema)["ttl"]):
        assert documented["type"] == "integer"
        assert documented["minimum"] == policy.MIN_TTL
        assert documented["maximum"] == policy.MAX_TTL


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_documented_patterns_decide_in_ecma_262_as_in_python(schema):
    cases = [
        (body_schemas(schema)[name]["pattern"], value)
        for name in ("room", "device")
        for value in SAMPLES[name]
    ]
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(cases.map(([p, v]) => new RegExp(p).test(v))));"
    )
    run = subprocess.run(  # noqa: S603
        ["node", "-e", script],  # noqa: S607
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    python = [re.fullmatch(pattern, value) is not None for pattern, value in cases]
    assert json.loads(run.stdout) == python


# --- /token takes what the documentation accepts, and only that --------------


@pytest.fixture
def dora_api(db) -> APIClient:
    """A user who may join any room and chat: every well-formed value passes."""
    user = User.objects.create_user("dora")
    GrantRule.objects.create(user=user, video="any", chat=True)
    return bearer(api_token_for(user))


def send(client: APIClient, transport: str, params: dict):
    if transport == "query":
        return client.get(f"/token?{urlencode(params)}")
    if transport == "form":
        return client.post("/token", urlencode(params), content_type=FORM)
    return client.post("/token", json.dumps(params), content_type="application/json")


def refused_as_invalid(response, name: str) -> bool:
    body = response.json()
    if response.status_code == 400 and body["code"] == "invalid":
        assert name in body["fields"], body
        return True
    # Well formed: issued, or refused for another reason than its form.
    assert response.status_code in (200, 403), body
    return False


@pytest.mark.parametrize("transport", ["query", "json", "form"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param(name, value, id=f"{name}-{i}")
        for name, values in SAMPLES.items()
        for i, value in enumerate(values)
    ],
)
def test_token_takes_a_value_exactly_when_its_documentation_does(
    schema, dora_api, transport, name, value
):
    # The query parameter's: the body's lacks only minLength (see the module).
    documented = query_schemas(schema)[name]

    response = send(dora_api, transport, {name: value})

    assert refused_as_invalid(response, name) is not documented_accepts(
        documented, value
    )


@pytest.mark.parametrize("name", ["room", "device"])
def test_values_generated_from_the_documented_pattern_are_valid(schema, name):
    documented = query_schemas(schema)[name]

    @settings(max_examples=60, deadline=None)
    @given(st.from_regex(documented["pattern"], fullmatch=True))
    def check(value):
        if len(value) > documented["maxLength"]:
            return
        params = parse_token_params({name: value})
        assert getattr(params, name) == value

    check()


@pytest.mark.parametrize("name", ["room", "device"])
def test_values_the_documented_pattern_refuses_are_invalid(schema, name):
    documented = query_schemas(schema)[name]

    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=70))
    def check(value):
        if documented_accepts(documented, value):
            assert getattr(parse_token_params({name: value}), name) == value
        else:
            with pytest.raises(errors.InvalidParameter):
                parse_token_params({name: value})

    check()
