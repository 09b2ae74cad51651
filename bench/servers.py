"""Processes and services of the benchmark: environment, servers, database, Redis.

Used by bench/run.py; every process is started in its own process group so
that stopping it stops its workers, and everything is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
ADMIN_DSN = os.environ.get(
    "BENCH_PG_ADMIN_DSN", f"host={HOST} port=5432 user=postgres dbname=postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", f"redis://{HOST}:6379/15")


class BenchError(Exception):
    """The benchmark could not go on; the message says why."""


@dataclass
class Run:
    """Everything started, so that cleanup can undo it, and the figures."""

    options: argparse.Namespace
    pid: int = field(default_factory=os.getpid)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp("-bench")))
    db_created: bool = False
    redis_used: bool = False
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    password: str = ""
    results: dict = field(default_factory=dict)

    @property
    def db_name(self) -> str:
        return f"tokenserver_bench_{self.pid}"

    @property
    def database_url(self) -> str:
        if self.options.sqlite:
            return f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
        user = info.get("user", "postgres")
        host, port = info.get("host", HOST), info.get("port", 5432)
        return f"postgres://{user}@{host}:{port}/{self.db_name}"

    @property
    def tokens_file(self) -> Path:
        return self.tmp / "tokens.txt"


def say(text: str = "") -> None:
    print(text, flush=True)


def app_env(run: Run, **extra: str) -> dict[str, str]:
    """A clean production-like environment: nothing inherited from the caller."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "TWILIO_", "TOKENSERVER_", "GUNICORN_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_LOG_FORMAT": "json",
            "DATABASE_URL": run.database_url,
            "REDIS_URL": REDIS_URL,
            "TOKENSERVER_TOKEN_RATE": "1000000/min",
            "TOKENSERVER_LOGIN_RATE": "1000000/min",
            "TOKENSERVER_LOGIN_FAILURE_LIMIT": "1000000",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **TWILIO_ENV,
        }
    )
    env.update(extra)
    return env


SECRET_KEY = secrets.token_urlsafe(50)
TWILIO_ENV = {
    "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
    "TWILIO_API_KEY": "SK" + secrets.token_hex(16),
    "TWILIO_API_SECRET": "bench-" + secrets.token_hex(16),
    "TWILIO_CONVERSATIONS_SERVICE_SID": "IS" + secrets.token_hex(16),
    "TWILIO_SYNC_SERVICE_SID": "IS" + secrets.token_hex(16),
    "TWILIO_TWIML_APP_SID": "AP" + secrets.token_hex(16),
}


def python_step(run: Run, env: dict, *args: str, timeout: float) -> str:
    """Run `python ARGS` in the project with the environment; its stdout."""
    done = subprocess.run(  # noqa: S603
        [str(PYTHON), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(
            f"{' '.join(args[:2])} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    run: Run, name: str, argv: list[str], env: dict, cwd: Path, binary: Path = GUNICORN
) -> None:
    """Start `binary ARGV` ("{port}" in ARGV becomes a free port) as `name`."""
    port = free_port()
    run.ports[name] = port
    log = (run.tmp / f"{name}.log").open("a")
    run.servers[name] = subprocess.Popen(  # noqa: S603
        [str(binary), *(arg.replace("{port}", str(port)) for arg in argv)],
        cwd=cwd,
        env={**env, "GUNICORN_BIND": f"{HOST}:{port}"},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    wait_ready(run, name)


def wait_ready(run: Run, name: str, seconds: float = 40) -> None:
    server = run.servers[name]
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            raise BenchError(f"server {name} exited:\n{tail(run, name)}")
        if http_status(run, name, "/healthz") == 200:
            return
        if time.monotonic() > deadline:
            raise BenchError(
                f"server {name} not ready in {seconds}s:\n{tail(run, name)}"
            )
        time.sleep(0.2)


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(run: Run, name: str, path: str) -> int:
    url = f"http://{HOST}:{run.ports[name]}{path}"
    try:
        with OPENER.open(url, timeout=2) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def stop_server(run: Run, name: str) -> None:
    server = run.servers.pop(name, None)
    if server is None or server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass


def tail(run: Run, name: str, lines: int = 25) -> str:
    try:
        text = (run.tmp / f"{name}.log").read_text(errors="replace")
    except OSError:
        return f"(no log for {name})"
    return "\n".join(text.splitlines()[-lines:])


# --- database and redis ---------------------------------------------------------


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5)


def create_database(run: Run) -> None:
    if run.options.sqlite:
        return
    with admin_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(run.db_name)))
    run.db_created = True


def drop_database(run: Run) -> None:
    with admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(run.db_name)
            )
        )
    run.db_created = False


def flush_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()
