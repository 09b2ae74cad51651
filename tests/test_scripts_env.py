"""scripts/_env.sh, which every README command sources, on a machine unlike ours;
which database scripts/demo gives its commands, and what scripts/test
installs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

FAKE_PYTHON = """#!/bin/sh
# Python 3.11+ for the version check; `-m venv` fails as on Debian without
# python3-venv, after leaving a python behind.
case "$*" in
  *"-m venv"*) mkdir -p "$3/bin"; printf '#!/bin/sh\\nexit 1\\n' > "$3/bin/python";
               chmod +x "$3/bin/python"; echo "ensurepip is not available" >&2; exit 1;;
  *) exit 0;;
esac
"""


def run_env_script(tmp_path: Path) -> subprocess.CompletedProcess:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_env.sh", tmp_path / "scripts" / "_env.sh")
    fake = tmp_path / "python-without-venv"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return subprocess.run(  # noqa: S603
        ["/bin/bash", "-c", f"source {tmp_path / 'scripts' / '_env.sh'}"],
        env={**os.environ, "PYTHON": str(fake)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_python_that_cannot_make_a_venv_says_what_to_install_and_leaves_none(
    tmp_path,
):
    done = run_env_script(tmp_path)

    assert done.returncode == 1
    assert "apt-get install python3-venv" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_venv_left_without_pip_is_made_again_not_used(tmp_path):
    # What a failed venv leaves: a python, no pip. Before, the next run used it
    # and failed with "No module named pip".
    broken = tmp_path / ".venv" / "bin"
    broken.mkdir(parents=True)
    (broken / "python").write_text("#!/bin/sh\nexit 1\n")
    (broken / "python").chmod(0o755)

    done = run_env_script(tmp_path)

    assert "== creating .venv" in done.stdout
    assert done.returncode == 1
    assert "apt-get install python3-venv" in done.stderr
    assert not (tmp_path / ".venv").exists()


# Stands in for .venv/bin/python: says which database each manage.py command
# got, and succeeds at everything else (pip, runserver).
RECORDING_PYTHON = """#!/bin/sh
case "$*" in
  *manage.py*) echo "manage.py $2 REDIS_URL=${REDIS_URL-unset}" \\
                 "DATABASE_URL=$DATABASE_URL";;
esac
exit 0
"""


def run_demo(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "scripts").mkdir()
    for name in ("demo", "_env.sh"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(RECORDING_PYTHON)
    python.chmod(0o755)
    return subprocess.run(  # noqa: S603
        ["/bin/bash", str(tmp_path / "scripts" / "demo")],
        env={
            **{k: v for k, v in os.environ.items() if k != "DEMO_SQLITE_FILE"},
            "PYTHON": str(python),
            "PORT": "18999",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_demo_uses_its_own_sqlite_file_whatever_database_url_says(tmp_path):
    real = "postgres://postgres@127.0.0.1:5432/the_real_one"

    done = run_demo(tmp_path, DATABASE_URL=real, REDIS_URL="redis://10.0.0.9/0")

    assert done.returncode == 0, done.stderr
    commands = [line for line in done.stdout.splitlines() if "manage.py" in line]
    own = f"DATABASE_URL=sqlite:///{tmp_path}/demo.sqlite3"
    assert sorted(line.split()[1] for line in commands) == [
        "enforce_access",  # beside runserver, in the background
        "migrate",
        "runserver",
        "seed_demo",
    ]
    assert all(line.endswith(own) for line in commands), commands
    # Lockouts in the demo's own memory: a restart clears them (README).
    assert all("REDIS_URL=unset" in line for line in commands), commands
    assert "DATABASE_URL is ignored" in done.stdout
    assert real not in done.stdout


# Stands in for every tool scripts/test runs: says how it was called.
RECORDING_TOOL = """#!/bin/sh
echo "ran $(basename "$0") $*"
exit 0
"""


def run_test_script(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "scripts").mkdir()
    for name in ("test", "_env.sh"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    tools = [tmp_path / "scripts" / "browser-deps"] + [
        tmp_path / ".venv" / "bin" / name
        for name in ("python", "ruff", "bandit", "mypy", "pytest")
    ]
    for tool in tools:
        tool.parent.mkdir(parents=True, exist_ok=True)
        tool.write_text(RECORDING_TOOL)
        tool.chmod(0o755)
    return subprocess.run(  # noqa: S603
        ["/bin/bash", str(tmp_path / "scripts" / "test"), "-q"],
        env={**os.environ, "PYTHON": str(tools[1]), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_skip_browser_installs_no_browser_and_leaves_the_browser_tests_out(
    tmp_path,
):
    done = run_test_script(tmp_path, SKIP_BROWSER="1")

    assert done.returncode == 0, done.stderr
    assert "ran browser-deps" not in done.stdout
    runs = [line for line in done.stdout.splitlines() if line.startswith("ran pytest")]
    assert runs, done.stdout
    passes = [line for line in runs if "tests/e2e" not in line]
    assert passes, runs  # the end-to-end stage names its own folder
    assert all(line.endswith(" --ignore=tests/browser -q") for line in passes), runs


def test_without_skip_browser_the_test_command_sees_to_the_browser(tmp_path):
    done = run_test_script(tmp_path)

    assert done.returncode == 0, done.stderr
    assert "ran browser-deps" in done.stdout
    assert "ran pytest" in done.stdout
    assert "ran pytest --ignore" not in done.stdout


def test_the_test_command_type_checks_tokens_and_covers_the_sqlite_run(tmp_path):
    done = run_test_script(tmp_path, SKIP_BROWSER="1")

    assert done.returncode == 0, done.stderr
    assert "ran mypy tokens" in done.stdout
    assert "(mypy: " in done.stdout
    coverage = "--cov=tokens --cov-branch --cov-report=term-missing:skip-covered"
    assert f"ran pytest -n 2 {coverage} --ignore=tests/browser -q" in done.stdout


def test_the_database_only_pass_keeps_exactly_the_tests_that_use_the_database():
    # tests/test_policy.py is pure; tests/test_models.py uses the database.
    env = {**os.environ, "TEST_DATABASE_ONLY": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q",
         "tests/test_policy.py", "tests/test_models.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected, done.stdout + done.stderr
    assert all(line.startswith("tests/test_models.py::") for line in collected)
    assert "deselected" in done.stdout
