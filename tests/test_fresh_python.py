"""tests/fresh_python.py: a run forked from the warm interpreter answers as a
cold `python` start would, and sees nothing of an earlier run."""

import subprocess

import pytest

from tests import fresh_python
from tests.helpers import ROOT, clean_environ, run_python, server_env


def both(monkeypatch, *args: str, stdin: str | None = None, **overrides: str | None):
    """The run's (returncode, stdout, stderr), forked and cold."""
    answers = []
    env = server_env(**overrides)
    for mode in ("warm", "cold"):
        monkeypatch.setenv("TESTS_FRESH_PYTHON", mode)
        result = run_python(*args, env=env, stdin=stdin)
        answers.append((result.returncode, result.stdout, result.stderr))
    # The first was forked indeed: a warm interpreter could run it.
    assert any(warm.can_run(args, env) for warm in fresh_python._warm.values())
    return answers


@pytest.mark.parametrize(
    ("args", "overrides"),
    [
        (("-c", "import sys; print('out'); print('err', file=sys.stderr)"), {}),
        (("-c", "import sys; print('out'); sys.exit('stopped: a reason')"), {}),
        (("-c", "raise SystemExit(3)"), {}),
        (("-c", "import sys; print(sys.argv, sys.path[0] == '')", "a", "b"), {}),
        (("-c", "print(__name__, 'x' in globals())"), {}),
        # A refusal of the settings: the whole traceback, line for line.
        (("-c", "import tokenserver.settings"), {"REDIS_URL": "redis://$H:6379/0"}),
        (("manage.py", "check"), {"DJANGO_CONN_MAX_AGE": "60s"}),
        (("manage.py", "check"), {"DJANGO_LOG_LEVEL": "debug"}),
        (("manage.py", "no-such-command"), {}),
    ],
)
def test_a_forked_run_answers_exactly_as_a_cold_start(monkeypatch, args, overrides):
    warm, cold = both(monkeypatch, *args, **overrides)

    assert warm == cold


def test_a_forked_run_reads_its_stdin(monkeypatch):
    code = "import sys; print(sys.stdin.read().upper())"

    warm, cold = both(monkeypatch, "-c", code, stdin="given\n")

    assert warm == cold == (0, "GIVEN\n\n", "")


def test_a_run_sees_nothing_of_the_run_before():
    env = server_env(TOKENSERVER_TOKEN_RATE="5/m")
    # What the run sees, then what it leaves behind if anything leaked.
    code = (
        "import os, sys, json; import django; import tokenserver.settings as s;"
        "print(json.dumps([os.environ.get('TOKENSERVER_TOKEN_RATE'),"
        " os.environ.get('LEFT_BEHIND'), django.apps.apps.ready,"
        " s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['token']]));"
        "os.environ['LEFT_BEHIND'] = '1'; django.setup()"
    )
    first = run_python("-c", code, env=env)
    second = run_python("-c", code, env=server_env())

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == '["5/m", null, false, "5/m"]\n'
    assert second.stdout == '[null, null, false, "60/min"]\n'


def test_a_run_past_its_timeout_is_killed_as_subprocess_run_does(monkeypatch):
    monkeypatch.setenv("TESTS_FRESH_PYTHON", "warm")

    with pytest.raises(subprocess.TimeoutExpired):
        run_python("-c", "import time; time.sleep(30)", env=server_env(), timeout=1)

    # The warm interpreter still answers.
    assert run_python("-c", "print(1)", env=server_env()).stdout == "1\n"


def test_imports_before_the_fork_read_no_setting_and_no_server_variable():
    warm = fresh_python.WarmPython(ROOT, clean_environ())
    try:
        assert warm.refused is None
        assert not {
            name
            for name in warm.read
            if name.startswith(("DJANGO_", "TWILIO_", "TOKENSERVER_", "GUNICORN_"))
            or name in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "REDIS_TIMEOUT"}
        }
    finally:
        warm.close()


def test_a_run_whose_interpreter_start_variables_differ_is_not_forked_from_another():
    warm = fresh_python.WarmPython(ROOT, clean_environ())
    try:
        assert warm.can_run(("-c", "pass"), server_env())
        assert not warm.can_run(("-c", "pass"), server_env(PYTHONHASHSEED="4321"))
        assert not warm.can_run(("-c", "pass"), server_env(LC_ALL="C.UTF-8"))
        assert not warm.can_run(("-m", "gunicorn"), server_env())
        assert not warm.can_run(("-c",), server_env())
    finally:
        warm.close()
