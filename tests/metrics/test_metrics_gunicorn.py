"""/metrics under gunicorn: two workers add up, a worker's death loses nothing."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, local_server_env
from tests.metrics.scrape import METRICS_TOKEN, samples
from tests.test_gunicorn_answers import GUNICORN, HOST, wait_listening

UNAVAILABLE = ("tokenserver_unavailable_total", (("code", "database_unavailable"),))


@pytest.fixture
def server(tmp_path):
    """Two workers on a database without tables: every API token lookup is a 503."""
    port, metrics_dir = free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # a past run's
    env = local_server_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        TOKENSERVER_METRICS_TOKEN=METRICS_TOKEN,
    )
    err = tmp_path / "stderr"
    with err.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603  (our gunicorn, our config)
            [str(GUNICORN), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_listening(port, process, err)
        yield port, process, metrics_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def ask_me(port: int) -> int:
    req = urllib.request.Request(
        f"http://{HOST}:{port}/api/me/",
        headers={"Authorization": "Token " + "a" * 64, "Connection": "close"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10):  # noqa: S310
            return 200
    except urllib.error.HTTPError as error:
        return error.code


def unavailable(port: int) -> float:
    req = urllib.request.Request(
        f"http://{HOST}:{port}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )
    with urllib.request.urlopen(req, timeout=10) as answer:  # noqa: S310
        return samples(answer.read().decode()).get(UNAVAILABLE, 0.0)


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def test_two_workers_add_up_and_a_restarted_worker_loses_nothing(server):
    port, process, metrics_dir = server
    assert not (metrics_dir / "counter_999999.db").exists()  # cleaned at start

    assert {ask_me(port) for _ in range(20)} == {503}
    assert unavailable(port) == 20
    writers = {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("counter_*.db")}
    assert len(writers) == 2, writers  # both workers counted some

    old = workers(process.pid)
    os.kill(old[0], signal.SIGTERM)  # gunicorn starts another in its place
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = workers(process.pid)
        if len(now) == 2 and old[0] not in now:
            break
        time.sleep(0.1)
    wait_listening(port, process, Path(os.devnull))

    assert unavailable(port) == 20
    assert {ask_me(port) for _ in range(5)} == {503}
    assert unavailable(port) == 25
