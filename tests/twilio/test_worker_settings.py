"""The worker's settings: the system check says when rooms are not enforced,
`enforce_access` then exits saying why, and the configuration page shows it."""

from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command

from tests.helpers import run_python, server_env
from tokens.models import WorkerLease

WORKER_CHECKS = {"tokens.I042", "tokens.E042"}


def worker_messages() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks() if m.id in WORKER_CHECKS]


def test_the_test_settings_enforce_rooms():
    assert worker_messages() == []


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
        ("TOKENSERVER_PUBLIC_URL", "TOKENSERVER_PUBLIC_URL"),
    ],
)
def test_without_the_webhook_settings_rooms_are_not_enforced(settings, setting, named):
    setattr(settings, setting, "")
    settings.TWILIO_AUTH_TOKEN_SECONDARY = ""

    [message] = worker_messages()

    assert message.id == "tokens.I042"
    assert message.level == checks.INFO
    assert named in message.hint


def test_demo_credentials_do_not_enforce_rooms(demo, db):
    out = StringIO()

    call_command("enforce_access", stdout=out)

    assert worker_messages() == []  # the demo's own warning says enough
    assert "real Twilio credentials (demo mode)" in out.getvalue()


def test_a_lease_shorter_than_two_passes_is_an_error(settings):
    settings.TOKENSERVER_EVICTION_BOUND = 20
    settings.TOKENSERVER_WORKER_LEASE = 30

    [message] = worker_messages()

    assert message.id == "tokens.E042"


def test_enforce_access_exits_at_once_saying_what_is_missing(settings, db):
    settings.TWILIO_AUTH_TOKEN = settings.TWILIO_AUTH_TOKEN_SECONDARY = ""
    out = StringIO()

    call_command("enforce_access", stdout=out)

    assert "rooms enforcement is off" in out.getvalue()
    assert "TWILIO_AUTH_TOKEN" in out.getvalue()
    assert not WorkerLease.objects.exists()


def test_worker_settings_are_read_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TOKENSERVER_EVICTION_BOUND, s.TOKENSERVER_RECONCILE_INTERVAL, "
        "s.TOKENSERVER_WORKER_LEASE)"
    )
    env = server_env(
        TOKENSERVER_EVICTION_BOUND="5",
        TOKENSERVER_RECONCILE_INTERVAL="30",
        TOKENSERVER_WORKER_LEASE="20",
    )

    result = run_python("-c", code, env=env)

    assert result.stdout.split() == ["5", "30", "20"], result.stderr


def test_a_bound_that_is_no_number_stops_startup_naming_it():
    env = server_env(TOKENSERVER_EVICTION_BOUND="15s")

    result = run_python("manage.py", "check", env=env)

    assert result.returncode != 0
    assert "TOKENSERVER_EVICTION_BOUND must be a whole number" in result.stderr


def test_the_configuration_page_shows_the_worker_settings(staff):
    page = staff.get("/admin/configuration/").content.decode()

    assert "TOKENSERVER_EVICTION_BOUND" in page
    assert "15 s" in page
    assert "Rooms are enforced while" in page


def test_the_configuration_page_says_rooms_are_not_enforced(staff, settings):
    settings.TOKENSERVER_PUBLIC_URL = ""

    page = staff.get("/admin/configuration/").content.decode()

    assert "Rooms are not enforced" in page
