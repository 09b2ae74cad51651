"""Table tests of Twilio settings validation and demo mode: no database."""

import json

import pytest

from tests.helpers import FAKE_TWILIO, run_python, server_env
from tokens import credentials as config
from tokens.credentials import (
    CORE,
    DEMO_VALUES,
    PUSH_VARIABLES,
    Problem,
    TwilioCredentials,
    build_credentials,
    find_problems,
)
from tokens.policy import Capabilities
from tokenserver.settings import raw_env

# Every variable set, each to a well-formed value.
VALID = dict(FAKE_TWILIO)
OPTIONAL = tuple(name for name in VALID if name not in CORE)
NOTHING_SET = dict.fromkeys(VALID)


def raw(**changes: str | tuple[str, str] | None) -> dict:
    """The settings.TWILIO mapping: every variable valid unless changed.

    A change is a value (set under the canonical name), a (name used, value)
    pair for an alias, or None for unset.
    """
    mapping: dict[str, tuple[str, str] | None] = {
        name: (name, value) for name, value in VALID.items()
    }
    for name, change in changes.items():
        mapping[name] = (name, change) if isinstance(change, str) else change
    return mapping


def only(**values: str | tuple[str, str]) -> dict:
    """The mapping with only these variables set."""
    return {name: None for name in VALID} | {
        name: raw(**values)[name] for name in values
    }


def problems_by_variable(mapping: dict) -> dict[str, Problem]:
    problems = find_problems(mapping)
    by_variable = {problem.variable: problem for problem in problems}
    assert len(by_variable) == len(problems), "one problem per variable"
    return by_variable


# -- find_problems ----------------------------------------------------------


def test_valid_settings_have_no_problems():
    assert find_problems(raw()) == []


@pytest.mark.parametrize("variable", CORE)
@pytest.mark.parametrize(
    "unset", [None, "", "   "], ids=["absent", "empty", "whitespace"]
)
def test_each_missing_core_variable_is_named_as_required(variable, unset):
    problems = problems_by_variable(raw(**{variable: unset}))
    assert list(problems) == [variable]
    problem = problems[variable]
    assert (problem.optional, problem.missing) == (False, True)
    assert variable in problem.message


def test_every_missing_variable_is_listed_when_nothing_is_set():
    problems = problems_by_variable(NOTHING_SET)
    assert set(problems) == set(VALID)
    for name, problem in problems.items():
        assert problem.missing is True
        assert problem.optional is (name not in CORE)
        assert name in problem.message


@pytest.mark.parametrize("variable", OPTIONAL)
def test_missing_optional_variable_is_flagged_optional_and_missing(variable):
    problems = problems_by_variable(raw(**{variable: None}))
    assert list(problems) == [variable]
    problem = problems[variable]
    assert (problem.optional, problem.missing) == (True, True)
    assert variable in problem.message


# (case, canonical variable, name used, malformed value)
MALFORMED = [
    ("account_sid_wrong_prefix", "TWILIO_ACCOUNT_SID", None, "SK" + "a1" * 16),
    ("account_sid_uppercase_hex", "TWILIO_ACCOUNT_SID", None, "AC" + "A1" * 16),
    ("account_sid_too_long", "TWILIO_ACCOUNT_SID", None, "AC" + "a1" * 16 + "7"),
    ("account_sid_too_short", "TWILIO_ACCOUNT_SID", None, "AC" + "a1" * 15),
    ("account_sid_is_an_auth_token", "TWILIO_ACCOUNT_SID", None, "9f8e" * 8),
    ("api_key_not_hex", "TWILIO_API_KEY", None, "SK" + "zz" * 16),
    (
        "api_key_under_its_alias",
        "TWILIO_API_KEY",
        "TWILIO_SIGNING_KEY",
        "sk_live_notakey_4242",
    ),
    ("secret_too_short", "TWILIO_API_SECRET", None, "hunter2-short"),
    ("secret_with_a_space", "TWILIO_API_SECRET", None, "correct horse battery"),
    ("secret_too_long", "TWILIO_API_SECRET", None, "Q" * 257),
    ("secret_with_non_ascii", "TWILIO_API_SECRET", None, "sécret-pässwörd-0123"),
    (
        "conversations_sid_wrong_prefix",
        "TWILIO_CONVERSATIONS_SERVICE_SID",
        None,
        "CH" + "c3" * 16,
    ),
    (
        "conversations_sid_under_its_chat_alias",
        "TWILIO_CONVERSATIONS_SERVICE_SID",
        "TWILIO_CHAT_SERVICE_SID",
        "ISnot-a-service",
    ),
    ("sync_sid_wrong_prefix", "TWILIO_SYNC_SERVICE_SID", None, "MB" + "d4" * 16),
    ("twiml_app_sid_wrong_prefix", "TWILIO_TWIML_APP_SID", None, "PN" + "e5" * 16),
    ("push_sid_not_hex", "TWILIO_PUSH_CREDENTIAL_SID", None, "CRnot-hex-value-x"),
]


@pytest.mark.parametrize(
    ("variable", "used", "value"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_value_is_named_by_the_variable_actually_used(variable, used, value):
    name = used or variable
    problems = problems_by_variable(raw(**{variable: (name, value)}))
    assert list(problems) == [variable]
    problem = problems[variable]
    assert problem.missing is False
    assert problem.optional is (variable not in CORE)
    assert name in problem.message
    assert "malformed" in problem.message


@pytest.mark.parametrize(
    ("variable", "used", "value"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_no_problem_message_ever_contains_a_value(variable, used, value):
    # Every variable set to something wrong at once, the case's value included.
    mapping = {name: (name, f"wrong {name.lower()} value") for name in VALID}
    mapping[variable] = (used or variable, value)
    problems = find_problems(mapping)
    assert len(problems) == len(VALID)
    shown = [problem.message for problem in problems]
    for sent in (found[1] for found in mapping.values()):
        assert all(sent not in message for message in shown), sent
    assert value not in repr(problems)


def test_valid_values_are_never_in_missing_variable_messages():
    mapping = raw(TWILIO_API_KEY=None, TWILIO_SYNC_SERVICE_SID="")
    messages = " ".join(problem.message for problem in find_problems(mapping))
    for value in VALID.values():
        assert value not in messages


def test_surrounding_whitespace_is_not_a_problem():
    padded = {name: (name, f"  {value}\n") for name, value in VALID.items()}
    assert find_problems(padded) == []
    assert build_credentials(padded, demo=False, debug=False) == build_credentials(
        raw(), demo=False, debug=False
    )


# -- build_credentials ------------------------------------------------------


def test_valid_settings_build_full_credentials():
    credentials = build_credentials(raw(), demo=True, debug=True)
    assert credentials == TwilioCredentials(
        account_sid=VALID["TWILIO_ACCOUNT_SID"],
        api_key=VALID["TWILIO_API_KEY"],
        api_secret=VALID["TWILIO_API_SECRET"],
        conversations_service_sid=VALID["TWILIO_CONVERSATIONS_SERVICE_SID"],
        sync_service_sid=VALID["TWILIO_SYNC_SERVICE_SID"],
        twiml_app_sid=VALID["TWILIO_TWIML_APP_SID"],
        push_credential_sid=VALID["TWILIO_PUSH_CREDENTIAL_SID"],
        demo=False,
        missing_core=(),
        platform_push={name: VALID[name] for name in PUSH_VARIABLES.values()},
    )


def test_aliases_fill_the_canonical_fields():
    mapping = raw(
        TWILIO_API_KEY=("TWILIO_SIGNING_KEY", VALID["TWILIO_API_KEY"]),
        TWILIO_CONVERSATIONS_SERVICE_SID=(
            "TWILIO_CHAT_SERVICE_SID",
            VALID["TWILIO_CONVERSATIONS_SERVICE_SID"],
        ),
    )
    credentials = build_credentials(mapping, demo=False, debug=False)
    assert credentials.api_key == VALID["TWILIO_API_KEY"]
    assert (
        credentials.conversations_service_sid
        == VALID["TWILIO_CONVERSATIONS_SERVICE_SID"]
    )
    assert credentials.missing_core == ()


# (case, variable, malformed value, credentials field left empty)
MALFORMED_AS_MISSING = [
    ("account_sid", "TWILIO_ACCOUNT_SID", "AC-nope", "account_sid"),
    ("api_key", "TWILIO_API_KEY", "SK" + "g" * 32, "api_key"),
    ("api_secret", "TWILIO_API_SECRET", "too short", "api_secret"),
    (
        "conversations_sid",
        "TWILIO_CONVERSATIONS_SERVICE_SID",
        "IS123",
        "conversations_service_sid",
    ),
    ("sync_sid", "TWILIO_SYNC_SERVICE_SID", "IS" + "0" * 33, "sync_service_sid"),
    ("twiml_app_sid", "TWILIO_TWIML_APP_SID", "AP_app", "twiml_app_sid"),
    ("push_sid", "TWILIO_PUSH_CREDENTIAL_SID", "CR", "push_credential_sid"),
]


@pytest.mark.parametrize(
    ("variable", "value", "attribute"),
    [case[1:] for case in MALFORMED_AS_MISSING],
    ids=[case[0] for case in MALFORMED_AS_MISSING],
)
def test_malformed_value_counts_as_missing(variable, value, attribute):
    credentials = build_credentials(raw(**{variable: value}), demo=False, debug=False)
    assert getattr(credentials, attribute) == ""
    expected_missing = (variable,) if variable in CORE else ()
    assert credentials.missing_core == expected_missing
    assert credentials.demo is False


# (case, mapping, demo, debug)
NOT_DEMO = [
    ("demo_off", NOTHING_SET, False, True),
    ("debug_off", NOTHING_SET, True, False),
    ("both_off", NOTHING_SET, False, False),
]


@pytest.mark.parametrize(
    ("mapping", "demo", "debug"),
    [case[1:] for case in NOT_DEMO],
    ids=[case[0] for case in NOT_DEMO],
)
def test_nothing_set_without_demo_and_debug_is_unconfigured(mapping, demo, debug):
    credentials = build_credentials(mapping, demo=demo, debug=debug)
    assert credentials.demo is False
    assert credentials.missing_core == CORE
    assert credentials.capabilities.credentials is False
    assert credentials.api_secret == ""


def test_demo_applies_with_demo_and_debug_and_nothing_set():
    credentials = build_credentials(NOTHING_SET, demo=True, debug=True)
    assert credentials.demo is True
    assert credentials.missing_core == ()
    assert credentials.account_sid == DEMO_VALUES["TWILIO_ACCOUNT_SID"]
    assert credentials.api_key == DEMO_VALUES["TWILIO_API_KEY"]
    assert credentials.api_secret == DEMO_VALUES["TWILIO_API_SECRET"]
    assert credentials.capabilities == Capabilities(
        missing_core=(), chat=True, sync=True, voice_outgoing=True
    )


# (case, variables set, core variables still missing)
PARTLY_CONFIGURED = [
    (
        "account_sid_only",
        {"TWILIO_ACCOUNT_SID": VALID["TWILIO_ACCOUNT_SID"]},
        ("TWILIO_API_KEY", "TWILIO_API_SECRET"),
    ),
    (
        "key_and_secret_only",
        {
            "TWILIO_API_KEY": VALID["TWILIO_API_KEY"],
            "TWILIO_API_SECRET": VALID["TWILIO_API_SECRET"],
        },
        ("TWILIO_ACCOUNT_SID",),
    ),
    (
        "an_optional_sid_only",
        {"TWILIO_SYNC_SERVICE_SID": VALID["TWILIO_SYNC_SERVICE_SID"]},
        CORE,
    ),
    ("a_malformed_account_sid_only", {"TWILIO_ACCOUNT_SID": "AC-typo"}, CORE),
    (
        "the_key_under_its_alias_only",
        {"TWILIO_API_KEY": ("TWILIO_SIGNING_KEY", VALID["TWILIO_API_KEY"])},
        ("TWILIO_ACCOUNT_SID", "TWILIO_API_SECRET"),
    ),
]


@pytest.mark.parametrize(
    ("values", "missing"),
    [case[1:] for case in PARTLY_CONFIGURED],
    ids=[case[0] for case in PARTLY_CONFIGURED],
)
def test_partly_configured_with_demo_on_is_not_demo(values, missing):
    credentials = build_credentials(only(**values), demo=True, debug=True)
    assert credentials.demo is False
    assert credentials.missing_core == missing
    assert credentials.capabilities.missing_core == missing
    assert credentials.account_sid != DEMO_VALUES["TWILIO_ACCOUNT_SID"]
    assert credentials.api_secret != DEMO_VALUES["TWILIO_API_SECRET"]


# -- secrets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    ["$ecret-0123456789abcdef", "$TWILIO_ACCOUNT_SID", "${HOME}-and-0123456789"],
)
def test_secret_starting_with_a_dollar_is_taken_verbatim(secret):
    mapping = raw(TWILIO_API_SECRET=secret)
    assert find_problems(mapping) == []
    credentials = build_credentials(mapping, demo=False, debug=False)
    assert credentials.api_secret == secret
    assert credentials.missing_core == ()


def test_secret_starting_with_a_dollar_is_read_from_the_environment_verbatim(
    monkeypatch,
):
    monkeypatch.setenv("TWILIO_API_SECRET", "$TWILIO_ACCOUNT_SID-0123456789")
    assert raw_env("TWILIO_API_SECRET") == (
        "TWILIO_API_SECRET",
        "$TWILIO_ACCOUNT_SID-0123456789",
    )


@pytest.mark.parametrize(
    "mapping",
    [raw(), raw(TWILIO_API_SECRET="$ecret-0123456789abcdef"), NOTHING_SET],
    ids=["configured", "dollar_secret", "demo"],
)
def test_repr_of_credentials_never_shows_the_secret(mapping):
    credentials = build_credentials(mapping, demo=True, debug=True)
    assert credentials.api_secret, "a secret to hide"
    for text in (repr(credentials), str(credentials), repr(credentials.capabilities)):
        assert credentials.api_secret not in text
    assert credentials.account_sid in repr(credentials)


# -- capabilities -----------------------------------------------------------

# (case, changes to the valid settings, expected capabilities)
CAPABILITIES = [
    ("everything_set", {}, Capabilities()),
    (
        "push_credential_is_not_needed",
        {"TWILIO_PUSH_CREDENTIAL_SID": None},
        Capabilities(),
    ),
    (
        "no_conversations_service_no_chat",
        {"TWILIO_CONVERSATIONS_SERVICE_SID": None},
        Capabilities(chat=False),
    ),
    (
        "malformed_conversations_service_no_chat",
        {"TWILIO_CONVERSATIONS_SERVICE_SID": "IS-bad"},
        Capabilities(chat=False),
    ),
    (
        "no_sync_service_no_sync",
        {"TWILIO_SYNC_SERVICE_SID": None},
        Capabilities(sync=False),
    ),
    (
        "no_twiml_app_no_outgoing_voice",
        {"TWILIO_TWIML_APP_SID": None},
        Capabilities(voice_outgoing=False),
    ),
    (
        "no_optional_sid",
        dict.fromkeys(OPTIONAL),
        Capabilities(chat=False, sync=False, voice_outgoing=False),
    ),
    (
        "missing_secret",
        {"TWILIO_API_SECRET": None},
        Capabilities(missing_core=("TWILIO_API_SECRET",)),
    ),
    (
        "malformed_account_sid_and_key",
        {"TWILIO_ACCOUNT_SID": "x" * 34, "TWILIO_API_KEY": "y" * 34},
        Capabilities(missing_core=("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY")),
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [case[1:] for case in CAPABILITIES],
    ids=[case[0] for case in CAPABILITIES],
)
def test_capabilities_follow_the_sids(changes, expected):
    credentials = build_credentials(raw(**changes), demo=False, debug=False)
    assert credentials.capabilities == expected
    assert credentials.capabilities.credentials is (not expected.missing_core)


def test_blank_twilio_variables_do_not_turn_demo_mode_off():
    raw = {name: None for name in config.CORE + tuple(config.ENABLES)}
    raw["TWILIO_ACCOUNT_SID"] = ("TWILIO_ACCOUNT_SID", "  ")
    credentials = config.build_credentials(raw, demo=True, debug=True)
    assert credentials.demo
    assert credentials.api_secret == config.DEMO_VALUES["TWILIO_API_SECRET"]


# --- PostgreSQL prepared statements -----------------------------------------

PRINT_DB_OPTIONS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, {"server_side_binding": True, "prepare_threshold": 5}),
        ("true", {"server_side_binding": True, "prepare_threshold": 5}),
        ("false", {}),
    ],
)
def test_postgresql_uses_prepared_statements_unless_turned_off(setting, expected):
    env = server_env(
        DATABASE_URL="postgres://app@db.example:5432/tokens",
        DJANGO_DB_PREPARED_STATEMENTS=setting,
    )

    result = run_python("-c", PRINT_DB_OPTIONS, env=env)

    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert options["connect_timeout"] == 3
    for name in ("server_side_binding", "prepare_threshold"):
        assert options.get(name) == expected.get(name), name


# --- Yes/no variables ---------------------------------------------------------

PRINT_SWITCHES = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE]))"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, True),  # unset: the production default
        ("", True),  # empty counts as unset
        ("false", False),
        (" Off ", False),
        ("0", False),
        ("TRUE", True),
        ("yes", True),
    ],
)
def test_yes_no_variable_is_read_in_any_usual_spelling(value, expected):
    env = server_env(DJANGO_SECURE_SSL_REDIRECT=value)

    result = run_python("-c", PRINT_SWITCHES, env=env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [expected, True]


@pytest.mark.parametrize("value", ["ture", "enabled", "2", "no way"])
def test_yes_no_variable_with_a_typo_stops_startup_naming_it(value):
    # django-environ alone would read these as false: HTTPS redirect off.
    env = server_env(DJANGO_SECURE_SSL_REDIRECT=value)

    result = run_python("manage.py", "check", env=env)

    assert result.returncode != 0
    assert result.stderr.startswith(
        "configuration error: DJANGO_SECURE_SSL_REDIRECT must be true or false"
    )


def test_cors_origins_listed_with_spaces_are_read_without_them():
    env = server_env(
        DJANGO_CORS_ALLOWED_ORIGINS="https://a.example, https://b.example ,"
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    )

    result = run_python("-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["https://a.example", "https://b.example"]
