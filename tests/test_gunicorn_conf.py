"""gunicorn.conf.py's defaults, read as gunicorn reads the file."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, clean_environ

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
