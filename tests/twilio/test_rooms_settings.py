"""The rooms variables: read as meant, or startup stops naming the variable;
system checks name what is missing and what it turns off, never a value."""

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tests.helpers import run_python, server_env
from tokenserver.envurls import env_origin

ROOMS_CHECKS = {
    "tokens.I040",
    "tokens.I041",
    "tokens.E040",
    "tokens.W040",
    "tokens.W041",
}
SECRET_LOOKING = "https://user:hunter2-secret@tokens.example.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://tokens.example.com", "https://tokens.example.com"),
        ("https://tokens.example.com/", "https://tokens.example.com"),
        ("  https://tokens.example.com:8443 ", "https://tokens.example.com:8443"),
        ("", ""),
    ],
)
def test_public_url_is_read_as_an_origin(monkeypatch, value, expected):
    monkeypatch.setenv("TOKENSERVER_PUBLIC_URL", value)

    assert env_origin("TOKENSERVER_PUBLIC_URL", require_https=True) == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://tokens.example.com",
        "https://tokens.example.com/tokenserver",
        "https://tokens.example.com/?x=1",
        "https://tokens.example.com#top",
        "tokens.internal",
        "https://tokens.example.com:port",
        "ftp://tokens.example.com",
        SECRET_LOOKING,
    ],
)
def test_public_url_that_is_not_an_https_origin_is_refused(monkeypatch, value):
    monkeypatch.setenv("TOKENSERVER_PUBLIC_URL", value)

    with pytest.raises(ImproperlyConfigured) as refused:
        env_origin("TOKENSERVER_PUBLIC_URL", require_https=True)
    assert "TOKENSERVER_PUBLIC_URL" in str(refused.value)
    assert value not in str(refused.value)


def test_the_api_base_url_may_be_plain_http_for_a_stand_in(monkeypatch):
    monkeypatch.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:8099")

    assert env_origin("TWILIO_API_BASE_URL", require_https=False) == (
        "http://127.0.0.1:8099"
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TOKENSERVER_PUBLIC_URL", SECRET_LOOKING),
        ("TWILIO_API_BASE_URL", "https://staging.example.com/v1?token=hunter2"),
        ("TWILIO_REST_TIMEOUT", "5s"),
        ("TWILIO_REST_RETRIES", "11"),
    ],
)
def test_a_bad_rooms_value_stops_startup_naming_it_not_printing_it(variable, value):
    result = run_python(
        "-c", "import tokenserver.settings", env=server_env(**{variable: value})
    )

    assert result.returncode != 0
    assert variable in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_http_public_url_is_accepted_with_debug_on():
    code = "import tokenserver.settings as s; print(s.TOKENSERVER_PUBLIC_URL)"
    env = server_env(
        DJANGO_DEBUG="true", TOKENSERVER_PUBLIC_URL="http://127.0.0.1:8000"
    )

    result = run_python("-c", code, env=env)

    assert result.stdout.strip() == "http://127.0.0.1:8000", result.stderr


# --- system checks -----------------------------------------------------------------


def rooms_messages(deploy: bool = False) -> list[checks.CheckMessage]:
    found = checks.run_checks(include_deployment_checks=deploy)
    return [m for m in found if m.id in ROOMS_CHECKS]


def test_the_test_settings_raise_no_rooms_message():
    assert rooms_messages() == []


def test_missing_auth_token_and_public_url_say_what_is_off(settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TOKENSERVER_PUBLIC_URL = ""

    messages = rooms_messages()

    assert sorted(m.id for m in messages) == ["tokens.I040", "tokens.I041"]
    assert all(m.level == checks.INFO for m in messages)
    assert all("webhooks_not_configured" in (m.hint or "") for m in messages)


@pytest.mark.parametrize(
    ("debug", "expected"), [(False, "tokens.E040"), (True, "tokens.W040")]
)
def test_a_malformed_auth_token_is_named_never_printed(settings, debug, expected):
    settings.DEBUG = debug
    settings.TWILIO_AUTH_TOKEN_SECONDARY = "has spaces in it, a typo"

    messages = rooms_messages()

    assert [m.id for m in messages] == [expected]
    assert "TWILIO_AUTH_TOKEN_SECONDARY" in messages[0].msg
    assert "typo" not in f"{messages[0].msg} {messages[0].hint}"


def test_check_deploy_warns_when_rest_goes_to_another_origin(settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:8099"
    assert [m.id for m in rooms_messages(deploy=True)] == ["tokens.W041"]

    settings.TWILIO_API_BASE_URL = ""
    assert rooms_messages(deploy=True) == []


def test_twilio_auth_token_is_no_longer_called_misnamed():
    code = "import tokenserver.settings as s; print(s.TWILIO_MISNAMED)"
    env = server_env(TWILIO_AUTH_TOKEN="x" * 32, TWILIO_SECRET="y" * 32)

    result = run_python("-c", code, env=env)

    assert result.stdout.strip() == "['TWILIO_SECRET']", result.stderr
