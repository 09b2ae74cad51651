"""Traces are an extra: without it nothing changes, with the variable a warning."""

from django.core import checks

from tests.helpers import run_python, server_env
from tokens.metrics import traces


def test_an_endpoint_without_the_packages_is_a_warning_not_a_crash(settings):
    settings.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"

    found = [m for m in checks.run_checks() if m.id == "tokens.W070"]

    assert traces.missing_packages()  # the extra is not in the shared venv
    assert len(found) == 1
    assert found[0].level == checks.WARNING
    assert traces.start() is False


def test_no_endpoint_no_warning_and_nothing_started(settings):
    settings.OTEL_EXPORTER_OTLP_ENDPOINT = ""

    assert not [m for m in checks.run_checks() if m.id == "tokens.W070"]
    assert traces.start() is False


def test_a_started_server_imports_nothing_of_opentelemetry():
    code = (
        "import django, sys; django.setup(); "
        "import tokenserver.wsgi; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    env = server_env(DJANGO_SETTINGS_MODULE="tests.settings")
    result = run_python("-c", code, env=env)

    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
