"""The documented production environment passes Django's deployment checks."""

import secrets
import subprocess

from tests.helpers import ROOT, run_python, server_env

FILLED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
    "TWILIO_API_KEY": "SK" + secrets.token_hex(16),
    "TWILIO_API_SECRET": secrets.token_urlsafe(24),
    "TWILIO_CONVERSATIONS_SERVICE_SID": "IS" + secrets.token_hex(16),
    "TWILIO_SYNC_SERVICE_SID": "IS" + secrets.token_hex(16),
    "TWILIO_TWIML_APP_SID": "AP" + secrets.token_hex(16),
    "TWILIO_PUSH_CREDENTIAL_SID": "CR" + secrets.token_hex(16),
}


def documented_environment() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "production.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def run_check(extra: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=server_env(**extra),
        timeout=60,
    )


def test_documented_production_environment_passes_check_deploy():
    documented = documented_environment()
    blanks = {name for name, value in documented.items() if not value}
    assert blanks == set(FILLED), "only secrets are left blank in deploy/production.env"
    result = run_check({**documented, **FILLED})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_the_twilio_secret_and_names_it():
    documented = documented_environment()
    filled = {**FILLED, "TWILIO_API_SECRET": ""}
    result = run_check({**documented, **filled})
    assert result.returncode != 0
    assert "TWILIO_API_SECRET is not set" in result.stderr
    for name, value in filled.items():
        if value:
            assert value not in result.stdout + result.stderr, name
