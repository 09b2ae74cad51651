"""Two gunicorn instances sharing one PostgreSQL database and one Redis.

Shows that limits and logouts hold across instances and survive a restart of
both (API tokens in the database, lockouts in Redis), that the audit log has
one row per issued token, that the limited endpoints fail closed (503)
while Redis is down and recover without a restart once it is back, and that
no request fails when PostgreSQL ends every open connection (a restart).

    .venv/bin/python scripts/two_instances.py

It makes its own database (dropped at the end) on the PostgreSQL server at
SCALEOUT_PG_ADMIN_DSN (default: user postgres on 127.0.0.1:5432) and runs its
own redis-server on a free loopback port, so the system services are left
alone. Exits 0 when every check passes, 1 with the failed check otherwise.
Standard library and psycopg only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
ADMIN_DSN = os.environ.get(
    "SCALEOUT_PG_ADMIN_DSN", f"host={HOST} port=5432 user=postgres dbname=postgres"
)
OVERALL_SECONDS = 240  # the whole run, setup and cleanup included
REDIS_DOWN_LIMIT = 3.0  # seconds a limited request may take while Redis is down
TOKEN_RATE = 5
FAILURE_LIMIT = 3
API_SECRET = "scaleout-" + secrets.token_hex(16)
USERS = ("throttle", "lockout", "logout", "down", "recover", "cut")


class CheckFailed(Exception):
    """A check did not hold; the message says which and how."""


class TimeUp(Exception):
    pass


@dataclass
class Response:
    status: int
    body: dict
    seconds: float

    @property
    def code(self) -> str | None:
        return self.body.get("code")


@dataclass
class Run:
    """Everything started, so that cleanup can undo it."""

    pid: int = field(default_factory=os.getpid)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp("-scaleout")))
    db_created: bool = False
    redis: subprocess.Popen | None = None
    redis_port: int = 0
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)

    @property
    def db_name(self) -> str:
        return f"tokenserver_scaleout_{self.pid}"

    @property
    def database_url(self) -> str:
        info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
        user = info.get("user", "postgres")
        host, port = info.get("host", HOST), info.get("port", 5432)
        return f"postgres://{user}@{host}:{port}/{self.db_name}"

    def url(self, instance: str, path: str) -> str:
        return f"http://{HOST}:{self.ports[instance]}{path}"


# --- output ---------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


def check(label: str, ok: bool, detail: str) -> None:
    if not ok:
        raise CheckFailed(f"({label}) {detail}")
    say(f"PASS ({label}) {detail}")


# --- processes ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(run: Run) -> None:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise CheckFailed("redis-server is not on PATH.")
    run.redis = subprocess.Popen(  # noqa: S603
        [
            redis_server,
            "--port",
            str(run.redis_port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(run.tmp),
            "--logfile",
            str(run.tmp / "redis.log"),
            "--daemonize",
            "no",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while not redis_ping(run.redis_port):
        if run.redis.poll() is not None or time.monotonic() > deadline:
            raise CheckFailed(
                f"redis-server did not start on port {run.redis_port}:\n"
                + tail(run.tmp / "redis.log")
            )
        time.sleep(0.05)


def kill_redis(run: Run) -> None:
    if run.redis is not None and run.redis.poll() is None:
        run.redis.kill()  # SIGKILL: Redis vanishes as in a crash
        run.redis.wait(timeout=10)
    run.redis = None


def app_env(run: Run) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "TWILIO_", "TOKENSERVER_", "GUNICORN_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DATABASE_URL": run.database_url,
            "REDIS_URL": f"redis://{HOST}:{run.redis_port}/0",
            "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
            "TWILIO_API_KEY": "SK" + secrets.token_hex(16),
            "TWILIO_API_SECRET": API_SECRET,
            "TWILIO_CONVERSATIONS_SERVICE_SID": "IS" + secrets.token_hex(16),
            "TOKENSERVER_TOKEN_RATE": f"{TOKEN_RATE}/min",
            "TOKENSERVER_LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(  # noqa: S603
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise CheckFailed(
            f"manage.py {args[0]} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


CREATE_USERS = """
import json, sys
from tokens.models import GrantRule, User
for name, password in json.loads(sys.stdin.read()).items():
    user = User.objects.create_user(name, password=password)
    GrantRule.objects.create(user=user, video="any", chat=True)
"""


def create_users(run: Run, env: dict[str, str]) -> None:
    run.passwords = {f"scaleout-{n}": secrets.token_urlsafe(18) for n in USERS}
    done = subprocess.run(  # noqa: S603
        [str(PYTHON), "manage.py", "shell", "-c", CREATE_USERS],
        cwd=ROOT,
        env=env,
        input=json.dumps(run.passwords),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise CheckFailed(f"creating users failed:\n{done.stderr[-3000:]}")


def start_server(run: Run, env: dict[str, str], instance: str) -> None:
    port = free_port()
    run.ports[instance] = port
    log = (run.tmp / f"gunicorn-{instance}.log").open("a")
    run.servers[instance] = subprocess.Popen(  # noqa: S603
        # gunicorn.conf.py turns gunicorn's shared control socket off.
        [str(GUNICORN), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": "2"},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()


def wait_healthy(run: Run, instance: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        server = run.servers[instance]
        if server.poll() is not None:
            raise CheckFailed(
                f"gunicorn {instance} exited ({server.returncode}):\n"
                + tail(run.tmp / f"gunicorn-{instance}.log")
            )
        try:
            if request(run, instance, "GET", "/healthz", timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise CheckFailed(
                f"gunicorn {instance} not healthy after {seconds}s:\n"
                + tail(run.tmp / f"gunicorn-{instance}.log")
            )
        time.sleep(0.2)


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process we started and its children (its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path.name})"


# --- database -------------------------------------------------------------------


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5)


def create_database(run: Run) -> None:
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


def issued_events(run: Run) -> list[tuple[str, str]]:
    """(id, jwt_sha256) of every 'issued' TokenEvent, read from PostgreSQL."""
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    info["dbname"] = run.db_name
    with psycopg.connect(**info, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT id::text, jwt_sha256 FROM tokens_tokenevent WHERE outcome = %s",
            ("issued",),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


# --- HTTP -----------------------------------------------------------------------

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(
    run: Run,
    instance: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | None = None,
    timeout: float = 10,
) -> Response:
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(  # noqa: S310  (always http://127.0.0.1)
        run.url(instance, path), data=data, headers=headers, method=method
    )
    started = time.monotonic()
    try:
        with OPENER.open(req, timeout=timeout) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    seconds = time.monotonic() - started
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        parsed = {"_raw": raw[:300].decode(errors="replace")}
    return Response(status, parsed if isinstance(parsed, dict) else {}, seconds)


def login(run: Run, instance: str, user: str, password: str | None = None) -> Response:
    return request(
        run,
        instance,
        "POST",
        "/api/auth/login/",
        body={"username": user, "password": password or run.passwords[user]},
    )


def login_token(run: Run, instance: str, user: str) -> str:
    answer = login(run, instance, user)
    if answer.status != 200:
        raise CheckFailed(f"login of {user} on {instance}: {answer}")
    run.identities[user] = answer.body["identity"]
    return answer.body["token"]


def get_token(run: Run, instance: str, api_token: str) -> Response:
    return request(run, instance, "GET", "/token", token=api_token)


def verify_jwt(jwt: str, identity: str) -> bool:
    """HS256 signature with the shared secret, and the identity claim."""
    try:
        head, payload, signature = jwt.split(".")
        expected = hmac.new(
            API_SECRET.encode(), f"{head}.{payload}".encode(), hashlib.sha256
        ).digest()
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
    except ValueError:
        return False
    return (
        hmac.compare_digest(expected, given)
        and claims.get("grants", {}).get("identity") == identity
    )


class Ledger:
    """Every 200 from /token, to compare with the audit log."""

    def __init__(self) -> None:
        self.digests: list[str] = []

    def issued(self, answer: Response, identity: str) -> bool:
        if answer.status != 200:
            return False
        jwt = answer.body.get("token", "")
        self.digests.append(hashlib.sha256(jwt.encode()).hexdigest())
        return verify_jwt(jwt, identity)


# --- checks ---------------------------------------------------------------------


def check_shared_throttle(run: Run, ledger: Ledger, api_token: str) -> None:
    user = "scaleout-throttle"
    statuses = []
    for i in range(TOKEN_RATE):
        instance = "AB"[i % 2]
        answer = get_token(run, instance, api_token)
        statuses.append(f"{instance}:{answer.status}")
        if not ledger.issued(answer, run.identities[user]):
            raise CheckFailed(
                f"(a) request {i + 1} on {instance} was not a valid 200: {answer}"
            )
    sixth = {instance: get_token(run, instance, api_token) for instance in "BA"}
    statuses += [f"{i}:{sixth[i].status}" for i in "BA"]
    check(
        "a",
        all(a.status == 429 and a.code == "throttled" for a in sixth.values()),
        f"shared /token budget {TOKEN_RATE}/min: {' '.join(statuses)}",
    )


def check_shared_lockout(run: Run) -> None:
    user = "scaleout-lockout"
    wrong = [login(run, "A", user, "not-the-password") for _ in range(FAILURE_LIMIT)]
    right = login(run, "B", user)
    codes = [f"A:{a.status}/{a.code}" for a in wrong]
    check(
        "b",
        all(a.status == 401 and a.code == "invalid_credentials" for a in wrong)
        and right.status == 429
        and right.code == "login_locked"
        and "token" not in right.body,
        f"shared lockout: {' '.join(codes)}, then right password on "
        f"B:{right.status}/{right.code}",
    )


def check_shared_logout(run: Run, ledger: Ledger, api_token: str) -> None:
    before = get_token(run, "B", api_token)
    if not ledger.issued(before, run.identities["scaleout-logout"]):
        raise CheckFailed(f"(c) the token did not work on B before logout: {before}")
    logout = request(run, "A", "POST", "/api/auth/logout/", token=api_token)
    after = get_token(run, "B", api_token)
    me = request(run, "B", "GET", "/api/me/", token=api_token)
    check(
        "c",
        logout.status == 204
        and after.status == 401
        and me.status == 401
        and "token" not in after.body,
        f"logout on A (A:{logout.status}) is seen by B: /token B:{before.status} "
        f"before, B:{after.status}/{after.code} after; /api/me/ B:{me.status}",
    )


def check_restart(
    run: Run, ledger: Ledger, env: dict[str, str], api_token: str
) -> None:
    """Restart both servers: API tokens (database) and lockouts (Redis) survive."""
    for instance in "AB":
        stop_group(run.servers[instance])
        start_server(run, env, instance)
    for instance in "AB":
        wait_healthy(run, instance)
    locked = login(run, "A", "scaleout-lockout")
    answer = get_token(run, "B", api_token)
    check(
        "restart",
        locked.status == 429
        and locked.code == "login_locked"
        and ledger.issued(answer, run.identities["scaleout-down"]),
        f"both servers restarted: lockout still A:{locked.status}/{locked.code}, "
        f"an API token from before still works B:{answer.status}",
    )


def check_audit(run: Run, ledger: Ledger, label: str = "d") -> None:
    events = issued_events(run)
    ids = [event_id for event_id, _ in events]
    digests = sorted(digest for _, digest in events)
    check(
        label,
        len(events) == len(ledger.digests)
        and len(set(ids)) == len(ids)
        and digests == sorted(ledger.digests),
        f"audit log: {len(events)} 'issued' rows with {len(set(ids))} distinct ids "
        f"for {len(ledger.digests)} responses 200, JWT digests match",
    )


def check_redis_down(run: Run, api_token: str) -> None:
    """Both limited endpoints on both instances, twice each to reach both workers."""
    kill_redis(run)
    answers = {}
    for round_ in (1, 2):
        for instance in "AB":
            answers[f"/token {instance}#{round_}"] = get_token(run, instance, api_token)
            answers[f"login {instance}#{round_}"] = login(
                run, instance, "scaleout-down"
            )
    refused = all(
        a.status == 503 and a.code == "rate_limit_unavailable" and "token" not in a.body
        for a in answers.values()
    )
    slowest = max(a.seconds for a in answers.values())
    outcomes = sorted({f"{a.status}/{a.code}" for a in answers.values()})
    check(
        "e",
        refused and slowest < REDIS_DOWN_LIMIT,
        f"Redis down: {len(answers)} requests (/token and login, A and B) answered "
        f"{', '.join(outcomes)}, slowest {slowest:.2f}s (limit {REDIS_DOWN_LIMIT}s)",
    )


def check_logs(run: Run) -> None:
    """Neither instance answered 500 or logged a traceback."""
    found = []
    for instance in run.servers:
        text = (run.tmp / f"gunicorn-{instance}.log").read_text(errors="replace")
        statuses = re.findall(r'^\S+ "[A-Z]+ [^"]*" (\d{3}) ', text, re.MULTILINE)
        errors = [s for s in statuses if s.startswith("5") and s != "503"]
        found.append(
            f"{instance}: {len(statuses)} requests, "
            f"{statuses.count('503')} x 503, {len(errors)} other 5xx, "
            f"{text.count('Traceback')} tracebacks"
        )
        if errors or "Traceback" in text or not statuses:
            raise CheckFailed(
                f"(logs) {found[-1]}:\n{tail(run.tmp / f'gunicorn-{instance}.log')}"
            )
    check("logs", True, "; ".join(found))


def check_recovery(run: Run, ledger: Ledger) -> None:
    pids = {name: server.pid for name, server in run.servers.items()}
    start_redis(run)
    user = "scaleout-recover"
    login_b = login(run, "B", user)
    if login_b.status != 200:
        raise CheckFailed(f"(f) login on B after Redis came back: {login_b}")
    answers = {i: get_token(run, i, login_b.body["token"]) for i in "AB"}
    valid = all(ledger.issued(answers[i], login_b.body["identity"]) for i in "AB")
    same = all(
        run.servers[name].poll() is None and run.servers[name].pid == pid
        for name, pid in pids.items()
    )
    check(
        "f",
        valid and same,
        f"Redis restarted on port {run.redis_port}, same gunicorn masters: "
        f"login B:{login_b.status}, /token A:{answers['A'].status} "
        f"B:{answers['B'].status}",
    )


def cut_connections(run: Run) -> int:
    """End every server process of the app's database, as a PostgreSQL restart does."""
    with admin_connection() as conn:
        ended = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (run.db_name,),
        ).fetchall()
    return sum(1 for (done,) in ended if done)


def check_connections_cut(run: Run, ledger: Ledger) -> None:
    """Each worker keeps its connection (CONN_MAX_AGE): cut them all, nothing fails.

    The health check before a request's first query finds a dead connection
    and opens a new one; without it, each worker's next request would fail.
    """
    user = "scaleout-cut"
    api_token = login_token(run, "A", user)
    for instance in "ABAB":  # every instance holds connections to cut
        request(run, instance, "GET", "/api/me/", token=api_token)
    cut = cut_connections(run)
    # Several requests on each instance, so that both workers of each serve.
    answers = [
        request(run, instance, "GET", "/api/me/", token=api_token)
        for instance in "AB" * 5
    ]
    tokens = [get_token(run, instance, api_token) for instance in "AB"]
    outcomes = sorted({str(a.status) for a in [*answers, *tokens]})
    check(
        "g",
        cut >= 2
        and all(a.status == 200 for a in answers)
        and all(ledger.issued(answer, run.identities[user]) for answer in tokens),
        f"PostgreSQL ended the {cut} server connections of the app's database "
        f"(as a restart or failover does): then {len(answers)} /api/me/ and "
        f"{len(tokens)} /token on A and B answered {', '.join(outcomes)}",
    )


def scenario(run: Run) -> None:
    run.redis_port = free_port()
    create_database(run)
    start_redis(run)
    say(f"setup: database {run.db_name}, redis-server on {HOST}:{run.redis_port}")
    env = app_env(run)
    manage(env, "migrate", "--noinput")
    create_users(run, env)
    for instance in "AB":
        start_server(run, env, instance)
    for instance in "AB":
        wait_healthy(run, instance)
    ports = run.ports
    say(f"setup: gunicorn A on :{ports['A']}, B on :{ports['B']}, 2 workers each")
    # Logins first: the lockout check locks 127.0.0.1 out until Redis restarts.
    tokens = {
        "throttle": login_token(run, "A", "scaleout-throttle"),
        "logout": login_token(run, "A", "scaleout-logout"),
        "down": login_token(run, "B", "scaleout-down"),
    }
    ledger = Ledger()
    check_shared_throttle(run, ledger, tokens["throttle"])
    check_shared_lockout(run)
    check_shared_logout(run, ledger, tokens["logout"])
    check_restart(run, ledger, env, tokens["down"])
    check_audit(run, ledger)
    check_redis_down(run, tokens["down"])
    check_recovery(run, ledger)
    check_connections_cut(run, ledger)
    check_audit(run, ledger, label="d, again")
    check_logs(run)


def cleanup(run: Run) -> list[str]:
    problems = []
    for server in run.servers.values():
        try:
            stop_group(server)
        except Exception as exc:
            problems.append(f"stopping gunicorn {server.pid}: {exc}")
    try:
        kill_redis(run)
    except Exception as exc:
        problems.append(f"stopping redis-server: {exc}")
    if run.db_created:
        try:
            drop_database(run)
        except Exception as exc:
            problems.append(f"dropping database {run.db_name}: {exc}")
    shutil.rmtree(run.tmp, ignore_errors=True)
    return problems


def _time_up(signum, frame):
    raise TimeUp(f"gave up after {OVERALL_SECONDS}s")


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _time_up)
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, _terminated)
    run = Run()
    status = 1
    failure = None
    signal.alarm(OVERALL_SECONDS)
    try:
        scenario(run)
        status = 0
    except (CheckFailed, TimeUp) as exc:
        failure = str(exc)
    except (OSError, psycopg.Error, subprocess.SubprocessError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    except (KeyboardInterrupt, SystemExit) as exc:
        failure = f"interrupted ({type(exc).__name__} {exc})"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        logs = {i: tail(run.tmp / f"gunicorn-{i}.log") for i in run.servers}
        problems = cleanup(run)
    if failure:
        say(f"FAIL {failure}")
        for instance, text in logs.items():
            say(f"--- last lines of gunicorn {instance}:\n{text}")
    for problem in problems:
        say(f"CLEANUP PROBLEM {problem}")
    elapsed = time.monotonic() - started
    verdict = "all checks passed" if status == 0 else "FAILED"
    cleaned = (
        "cleanup incomplete" if problems else "processes stopped, database dropped"
    )
    say(f"{verdict} in {elapsed:.1f}s ({cleaned})")
    return 1 if problems else status


if __name__ == "__main__":
    sys.exit(main())
