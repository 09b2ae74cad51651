"""System checks name every missing or malformed Twilio variable, never its value."""

from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

OPTIONAL = (
    "TWILIO_CONVERSATIONS_SERVICE_SID",
    "TWILIO_SYNC_SERVICE_SID",
    "TWILIO_TWIML_APP_SID",
)


def tokens_messages() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks() if (m.id or "").startswith("tokens.")]


def ids(messages) -> list[str]:
    return sorted(m.id for m in messages)


def text_of(message: checks.CheckMessage) -> str:
    return f"{message.msg} {message.hint or ''}"


def set_twilio(settings, **values) -> None:
    """Replace some Twilio settings: a str is set under its own name, None unsets."""
    twilio = dict(settings.TWILIO)
    for name, value in values.items():
        twilio[name] = (name, value) if isinstance(value, str) else value
    settings.TWILIO = twilio


def test_test_settings_raise_no_twilio_messages():
    assert tokens_messages() == []


def test_check_command_passes_with_the_test_settings():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.parametrize(
    ("debug", "check_id", "level"),
    [
        pytest.param(False, "tokens.E001", checks.ERROR, id="without-debug-an-error"),
        pytest.param(True, "tokens.W001", checks.WARNING, id="with-debug-a-warning"),
    ],
)
def test_missing_secret_is_an_error_or_with_debug_a_warning_naming_it(
    settings, debug, check_id, level
):
    settings.DEBUG = debug
    set_twilio(settings, TWILIO_API_SECRET=None)

    messages = tokens_messages()

    assert ids(messages) == [check_id]
    assert messages[0].level == level
    assert "TWILIO_API_SECRET" in messages[0].msg


def test_missing_secret_makes_the_check_command_fail(settings):
    settings.DEBUG = False
    set_twilio(settings, TWILIO_API_SECRET=None)

    with pytest.raises(SystemCheckError) as caught:
        call_command("check", stdout=StringIO(), stderr=StringIO())

    assert "TWILIO_API_SECRET" in str(caught.value)


def test_malformed_account_sid_is_named_and_its_value_never_shown(settings):
    settings.DEBUG = False
    set_twilio(settings, TWILIO_ACCOUNT_SID="ACnothex")

    messages = tokens_messages()

    assert ids(messages) == ["tokens.E001"]
    assert "TWILIO_ACCOUNT_SID" in messages[0].msg
    assert "ACnothex" not in text_of(messages[0])
    with pytest.raises(SystemCheckError) as caught:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "TWILIO_ACCOUNT_SID" in str(caught.value)
    assert "ACnothex" not in str(caught.value)


def test_secret_with_a_dollar_sign_is_valid_and_never_printed(settings):
    secret = "$ecret-value-0123456789"
    set_twilio(settings, TWILIO_API_SECRET=secret)

    messages = tokens_messages()
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)

    assert messages == []
    assert secret not in out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    "secret",
    ["short", "a secret with spaces in it 0123", "x" * 257],
    ids=["too-short", "spaces", "too-long"],
)
def test_malformed_secret_is_reported_without_its_value(settings, secret):
    settings.DEBUG = False
    set_twilio(settings, TWILIO_API_SECRET=secret)

    messages = tokens_messages()

    assert ids(messages) == ["tokens.E001"]
    assert "TWILIO_API_SECRET" in messages[0].msg
    assert secret not in text_of(messages[0])
    with pytest.raises(SystemCheckError) as caught:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert secret not in str(caught.value)


def test_malformed_value_under_an_alias_is_reported_by_the_alias(settings):
    settings.DEBUG = False
    bad_key = "SKnot-a-valid-key"
    twilio = dict(settings.TWILIO)
    twilio["TWILIO_API_KEY"] = ("TWILIO_SIGNING_KEY", bad_key)
    settings.TWILIO = twilio

    messages = tokens_messages()

    assert ids(messages) == ["tokens.E001"]
    assert "TWILIO_SIGNING_KEY" in messages[0].msg
    assert bad_key not in text_of(messages[0])


def test_missing_optional_sids_are_infos_naming_each(settings):
    settings.DEBUG = False
    # Every product and platform keeps its own push credential: no push message.
    set_twilio(settings, **dict.fromkeys([*OPTIONAL, "TWILIO_PUSH_CREDENTIAL_SID"]))

    messages = tokens_messages()

    assert ids(messages) == ["tokens.I001"] * len(OPTIONAL)
    assert all(m.level == checks.INFO for m in messages)
    for name in OPTIONAL:
        assert sum(name in m.msg for m in messages) == 1, name


def test_missing_optional_sids_leave_the_check_command_passing(settings):
    settings.DEBUG = False
    set_twilio(settings, **dict.fromkeys(OPTIONAL))

    call_command("check", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("name", [*OPTIONAL, "TWILIO_PUSH_CREDENTIAL_SID"])
def test_malformed_optional_sid_without_debug_is_an_error(settings, name):
    settings.DEBUG = False
    bad = "XX" + "0" * 32
    set_twilio(settings, **{name: bad})

    messages = tokens_messages()

    assert ids(messages) == ["tokens.E001"]
    assert messages[0].level == checks.ERROR
    assert name in messages[0].msg
    assert bad not in text_of(messages[0])


def test_demo_with_debug_and_no_twilio_settings_only_warns_demo(settings):
    settings.DEBUG = True
    settings.TOKENSERVER_DEMO = True
    settings.TWILIO = dict.fromkeys(settings.TWILIO)

    messages = tokens_messages()

    assert ids(messages) == ["tokens.W010"]
    assert "DEMO" in messages[0].msg


@pytest.mark.parametrize(
    ("debug", "twilio_set"),
    [
        pytest.param(False, {}, id="without-debug"),
        pytest.param(
            True,
            {"TWILIO_ACCOUNT_SID": "AC" + "a1" * 16},
            id="with-some-twilio-settings",
        ),
    ],
)
def test_demo_without_debug_or_with_some_twilio_settings_is_an_error(
    settings, debug, twilio_set
):
    settings.DEBUG = debug
    settings.TOKENSERVER_DEMO = True
    settings.TWILIO = dict.fromkeys(settings.TWILIO)
    set_twilio(settings, **twilio_set)

    messages = tokens_messages()

    assert "tokens.E010" in ids(messages)
    assert "tokens.W010" not in ids(messages)
    demo_error = next(m for m in messages if m.id == "tokens.E010")
    assert demo_error.level == checks.ERROR


def test_misnamed_secret_variable_is_a_warning_naming_it(settings):
    settings.TWILIO_MISNAMED = ["TWILIO_SECRET"]

    messages = tokens_messages()

    assert ids(messages) == ["tokens.W002"]
    assert messages[0].level == checks.WARNING
    assert "TWILIO_SECRET" in messages[0].msg


# --- the cache that holds rate limits and lockouts (deployment checks) --------


def deploy_cache_messages() -> list[checks.CheckMessage]:
    found = checks.run_checks(include_deployment_checks=True)
    return [m for m in found if m.id in ("tokens.W020", "tokens.W021")]


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("django.core.cache.backends.dummy.DummyCache", ["tokens.W020"]),
        ("django.core.cache.backends.locmem.LocMemCache", ["tokens.W021"]),
        ("django.core.cache.backends.redis.RedisCache", []),
    ],
)
def test_deploy_check_warns_when_the_cache_cannot_share_the_limits(
    settings, backend, expected
):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://x:6379/0"}}

    messages = deploy_cache_messages()

    assert ids(messages) == expected
    assert all("REDIS_URL" in text_of(m) for m in messages)


def test_the_cache_warnings_are_for_deployments_only(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }

    assert not [m for m in checks.run_checks() if m.id == "tokens.W020"]


# Demo accounts with their published passwords on a server with DEBUG off.


def demo_password_messages() -> list[checks.CheckMessage]:
    return [
        m for m in checks.run_checks(databases=["default"]) if m.id == "tokens.E030"
    ]


@pytest.fixture
def demo_staff(db):
    from tokens.models import User

    return User.objects.create_superuser("staff", password="staff-demo-password")


def test_a_demo_password_left_with_debug_off_is_an_error_naming_only_the_user(
    settings, demo_staff
):
    settings.DEBUG = False

    messages = demo_password_messages()

    assert len(messages) == 1
    assert messages[0].level == checks.ERROR
    assert "staff" in messages[0].msg
    assert "demo-password" not in text_of(messages[0])


def test_a_demo_password_makes_the_database_checks_fail(settings, demo_staff):
    settings.DEBUG = False

    with pytest.raises(SystemCheckError, match=r"tokens\.E030"):
        call_command("check", "--database", "default", stdout=StringIO())


def test_a_demo_password_is_fine_with_debug_on(settings, demo_staff):
    settings.DEBUG = True

    assert demo_password_messages() == []


def test_a_changed_demo_password_is_fine(settings, demo_staff):
    settings.DEBUG = False
    demo_staff.set_password("a-new-password-nobody-published")
    demo_staff.save()
    hashed = demo_staff.password

    assert demo_password_messages() == []
    demo_staff.refresh_from_db()
    assert demo_staff.password == hashed  # the check never rewrites a hash
