"""What operators are told to run works: the documented production
environment, the Docker image's contents, README's commands, the demo."""

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import (
    ROOT,
    SERVER_NAMES,
    SERVER_PREFIXES,
    clean_environ,
    free_port,
    run_python,
    server_env,
)

FILLED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
    "TWILIO_API_KEY": "SK" + secrets.token_hex(16),
    "TWILIO_API_SECRET": secrets.token_urlsafe(24),
    "TWILIO_CONVERSATIONS_SERVICE_SID": "IS" + secrets.token_hex(16),
    "TWILIO_SYNC_SERVICE_SID": "IS" + secrets.token_hex(16),
    "TWILIO_TWIML_APP_SID": "AP" + secrets.token_hex(16),
    "TWILIO_PUSH_CREDENTIAL_SID": "CR" + secrets.token_hex(16),
    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
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


# --- what the Docker image holds ------------------------------------------------


def docker_pattern(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker reads it: `*` and `?` stop at `/`,
    `**` crosses directories (character classes are not used in ours)."""
    regex, rest = "", pattern.strip("/")
    while rest:
        for token, meaning in (("**/", "(?:.*/)?"), ("**", ".*"), ("*", "[^/]*")):
            if rest.startswith(token):
                regex, rest = regex + meaning, rest[len(token) :]
                break
        else:
            regex += "[^/]" if rest[0] == "?" else re.escape(rest[0])
            rest = rest[1:]
    return re.compile(regex)


def left_out_of_the_image(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of `COPY . .`: the last pattern
    matching it or one of its directories decides; `!` lets it back in."""
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    left_out = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern = docker_pattern(line.removeprefix("!"))
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            left_out = not line.startswith("!")
    return left_out


@pytest.mark.parametrize(
    "path",
    [
        "deploy/production.env",  # README: fill in its secrets
        "deploy/staging.env",
        ".env",
        ".env.local",
        "db.sqlite3",
        "db.sqlite3-wal",
        ".venv/bin/python",
        ".git/config",
    ],
)
def test_files_that_may_hold_secrets_are_left_out_of_the_docker_image(path):
    assert left_out_of_the_image(path)


def test_the_code_the_image_runs_is_copied_into_it():
    needed = [
        "manage.py",
        "gunicorn.conf.py",
        "requirements.txt",
        "constraints.txt",
        ".env.example",
    ]
    for folder in ("tokenserver", "tokens", "templates"):
        needed += [
            str(path.relative_to(ROOT))
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    assert len(needed) > 30
    assert [path for path in needed if left_out_of_the_image(path)] == []


# --- README: the production server tried locally -------------------------------


def readme_try_section() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("To try the production server locally") :]
    return section[: section.index("4. **Health check**")]


def readme_serve_environment() -> dict[str, str]:
    """The variables README's "try the production server locally" command
    gives ./scripts/serve, as the shell sets them."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("To try the production server locally") :]
    start = section.index("```sh\n") + len("```sh\n")
    block = section[start : section.index("```", start)].rstrip()
    assert block.endswith("./scripts/serve"), block
    show_environment = "import json, os; print(json.dumps(dict(os.environ)))"
    command = block.removesuffix("./scripts/serve") + shlex.join(
        [sys.executable, "-c", show_environment]
    )
    result = subprocess.run(  # noqa: S603  (bash running README's own command)
        ["/bin/bash", "-c", command],
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    given = json.loads(result.stdout)
    return {
        name: value
        for name, value in given.items()
        if name.startswith(SERVER_PREFIXES) or name in SERVER_NAMES
    }


def test_readme_command_to_try_the_production_server_passes_migrate_and_checks(
    tmp_path,
):
    # scripts/serve runs migrate, then check --deploy: both run the system
    # checks, which stopped on the missing Twilio variables.
    documented = readme_serve_environment()
    env = {
        **clean_environ(),
        **documented,
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    migrated = run_python("manage.py", "migrate", "--noinput", env=env)
    checked = run_python("manage.py", "check", "--deploy", env=env)

    assert migrated.returncode == 0, migrated.stderr
    assert checked.returncode == 0, checked.stderr
    assert documented["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    # Every warning it prints is explained next to the command.
    printed = set(re.findall(r"\((\w+\.[WI]\d+)\)", checked.stderr))
    assert "security.W008" in printed
    explained = set(re.findall(r"`(\w+\.[WI]\d+)`", readme_try_section()))
    assert printed <= explained, printed - explained
    # tokens.W021 (local-memory cache) is fine only with one process.
    assert documented["WEB_CONCURRENCY"] == "1"


def test_readme_production_try_starts_from_its_own_database_not_the_demos():
    # It ran on the default db.sqlite3, once the demo's: the demo accounts and
    # their published passwords logged in with DEBUG off.
    url = readme_serve_environment()["DATABASE_URL"]

    assert url.startswith("sqlite:///"), url
    name = Path(url.removeprefix("sqlite:///")).name
    assert name not in ("db.sqlite3", "demo.sqlite3"), name


# --- scripts/demo -------------------------------------------------------------------


def first_answer(url: str, server: subprocess.Popen, *, timeout: float) -> int | None:
    """The status of the first answer to GET `url`; None if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.5)
    return None


def test_demo_answers_on_loopback_even_with_a_dot_env_copied_from_the_example(
    tmp_path,
):
    # .env.example says DJANGO_ALLOWED_HOSTS=tokens.example.com: read by the
    # demo, runserver answered 400 to http://127.0.0.1:8000/.
    dot_env = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", dot_env)
    port = free_port()
    env = {
        **clean_environ(),
        "DJANGO_ENV_FILE": str(dot_env),
        "DEMO_SQLITE_FILE": str(tmp_path / "demo.sqlite3"),
        "PORT": str(port),
        "PYTHON": sys.executable,
    }
    log = tmp_path / "demo.log"
    with log.open("w") as output:
        demo = subprocess.Popen(  # noqa: S603  (our script)
            [str(ROOT / "scripts" / "demo")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # runserver's reloader runs a second process
        )
    try:
        status = first_answer(
            f"http://127.0.0.1:{port}/accounts/login/", demo, timeout=120
        )
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=30)

    assert status == 200, f"{status}\n{log.read_text()[-3000:]}"


# --- .env.example and gunicorn.conf.py ----------------------------------------------

# Read only to tell the operator the name is wrong (see tokens/checks.py).
MISNAMED = {"TWILIO_SECRET"}


def variables_read_by(path: Path) -> set[str]:
    names = re.findall(r"""["']([A-Z][A-Z0-9_]+)["']""", path.read_text())
    return {
        name
        for name in names
        if name.startswith((*SERVER_PREFIXES, "REDIS_", "CACHE_", "FORWARDED_"))
        or name in {"DATABASE_URL", "WEB_CONCURRENCY"}
    } - MISNAMED


def test_env_example_lists_every_variable_the_server_reads():
    read = variables_read_by(ROOT / "tokenserver" / "settings.py")
    read |= variables_read_by(ROOT / "tokenserver" / "envurls.py")
    read |= variables_read_by(ROOT / "gunicorn.conf.py")
    example = (ROOT / ".env.example").read_text()

    assert {"DJANGO_DB_PREPARED_STATEMENTS", "GUNICORN_TIMEOUT", "REDIS_URL"} <= read
    assert sorted(name for name in read if name not in example) == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GUNICORN_TIMEOUT", "30s"),
        ("GUNICORN_THREADS", "0"),
        ("GUNICORN_MAX_REQUESTS", "lots"),
    ],
)
def test_gunicorn_setting_that_is_not_a_number_stops_it_naming_the_variable(
    variable, value
):
    env = server_env(**{variable: value})

    result = run_python(
        "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config", env=env
    )

    assert result.returncode != 0
    assert f"{variable} must be a whole number" in result.stderr
    assert value not in result.stderr


def test_gunicorn_settings_are_read_with_spaces_ignored_and_empty_as_default():
    env = server_env(
        GUNICORN_TIMEOUT=" 45 ", GUNICORN_THREADS="", GUNICORN_MAX_REQUESTS="100"
    )

    result = run_python(
        "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config", env=env
    )

    assert result.returncode == 0, result.stderr
    printed = dict(
        re.split(r"\s+=\s+", line, maxsplit=1)
        for line in result.stdout.splitlines()
        if " = " in line
    )
    assert printed["timeout"] == "45"
    assert printed["threads"] == "1"
    assert printed["max_requests"] == "100"
    assert printed["max_requests_jitter"] == "10"
