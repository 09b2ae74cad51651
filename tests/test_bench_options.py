"""bench/run.py's options reach wrk in a form wrk takes."""

import json

import pytest

from tests.helpers import clean_environ, run_python

# bench/ runs as a script (its modules import each other by bare name): a
# subprocess keeps those names out of this process's modules.
WRK_ARGV = """
import json, sys, types
sys.path.insert(0, "bench")
import run, loadgen
options = run.parse_args(sys.argv[1:])
fake = types.SimpleNamespace(ports={"project": 1}, tokens_file="t", password="p")
load = loadgen.Load(seconds=options.duration)
print(json.dumps(loadgen.wrk_argv(fake, "project", load)))
"""


def wrk_argv_for(*args: str):
    return run_python("-c", WRK_ARGV, *args, env=clean_environ(), timeout=60)


def test_duration_given_in_whole_seconds_reaches_wrk_as_a_wrk_duration():
    # It reached wrk as -d8.0s, which wrk refuses: every run failed.
    result = wrk_argv_for("--duration", "8")

    assert result.returncode == 0, result.stderr
    assert "-d8s" in json.loads(result.stdout)


@pytest.mark.parametrize("value", ["2.5", "0", "abc"])
def test_duration_wrk_cannot_take_is_refused_before_anything_starts(value):
    result = wrk_argv_for("--duration", value)

    assert result.returncode == 2
    assert "--duration: must be a whole number of seconds" in result.stderr
