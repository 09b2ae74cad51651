"""gunicorn.conf.py's defaults, read as gunicorn reads the file."""

import os
import re
import runpy
import subprocess
import sys

import pytest

from tests.helpers import ROOT, clean_environ, run_python, server_env

READ_WORKERS = """
import os, runpy, sys
os.sched_setaffinity(0, {int(cpu) for cpu in sys.argv[1].split(",")})
print(runpy.run_path("gunicorn.conf.py")["workers"])
"""


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and two usable CPUs to pin a process to one",
)
def test_default_workers_follow_the_cpus_the_process_may_use_not_the_hosts():
    # A container limited to one CPU (a cpuset) on a many-core host would
    # otherwise start a worker per host core.
    cpu = min(os.sched_getaffinity(0))
    env = {k: v for k, v in clean_environ().items() if k != "WEB_CONCURRENCY"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ_WORKERS, str(cpu)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )

    assert int(done.stdout) == 2  # one usable CPU, plus one


# --- a bad value stops gunicorn with one line ------------------------------------


def start_gunicorn(*, module: str = "gunicorn", **overrides: str):
    """gunicorn (or our entry point) on a free port; it must stop by itself."""
    env = server_env(GUNICORN_BIND="127.0.0.1:0", **overrides)
    return run_python("-m", module, "-c", "gunicorn.conf.py", env=env, timeout=60)


def assert_stopped_with_one_line(result, variable: str, value: str) -> None:
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr
    errors = [
        line for line in result.stderr.splitlines() if "Starting gunicorn" not in line
    ]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"configuration error: {variable} "), errors
    assert value not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x/db"),
        ("DJANGO_CONN_MAX_AGE", "60s"),
        ("REDIS_URL", "redis://$HOST:6379/0"),
    ],
)
def test_bad_django_setting_stops_gunicorn_before_any_worker_with_one_line(
    variable, value
):
    # Each worker printed a traceback, then gunicorn "Worker failed to boot".
    result = start_gunicorn(**{variable: value})

    assert_stopped_with_one_line(result, variable, value)
    assert "Booting worker" not in result.stderr


@pytest.mark.parametrize("value", ["abc", "0", "-2"])
def test_web_concurrency_that_is_no_worker_count_is_one_line(value):
    # gunicorn itself reads it with int() as it is imported: a ValueError.
    result = start_gunicorn(module="tokenserver.gunicorn_main", WEB_CONCURRENCY=value)

    assert_stopped_with_one_line(result, "WEB_CONCURRENCY", value)


def test_empty_web_concurrency_means_the_default_number_of_workers():
    env = server_env(WEB_CONCURRENCY="")
    args = ("-m", "tokenserver.gunicorn_main", "-c", "gunicorn.conf.py")

    result = run_python(*args, "--print-config", env=env, timeout=60)

    assert result.returncode == 0, result.stderr
    default = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]
    assert re.search(rf"^workers\s+=\s+{default}$", result.stdout, re.M)


def test_scripts_serve_stops_on_a_bad_value_with_one_line():
    # serve runs manage.py migrate first: that is where it stops.
    result = subprocess.run(  # noqa: S603  (our script)
        [str(ROOT / "scripts" / "serve")],
        cwd=ROOT,
        env=server_env(DATABASE_URL="mysql://x/db"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert_stopped_with_one_line(result, "DATABASE_URL", "mysql://x/db")
