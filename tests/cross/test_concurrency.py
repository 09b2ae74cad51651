"""Many requests at once: every token is recorded once, and limits hold.

The first tests use pytest-django's threaded `live_server` (in this process,
so monkeypatch and the `settings` fixture reach it) on whichever database the
suite runs on. The last one runs real gunicorn workers, in their own
processes, on a SQLite file, the deployment SQLite is configured for (WAL,
immediate transactions, a busy timeout): concurrent writers must wait, not
fail with "database is locked".
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import PASSWORD, api_token_for, decode
from tests.helpers import ROOT, free_port, local_server_env, run_python
from tokens.api import views
from tokens.limits import throttles
from tokens.models import ApiToken, TokenEvent

GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "127.0.0.1"
REQUESTS = 32
WORKERS = 16
LOGIN = "/api/auth/login/"

# Requests commit for real (no test transaction around them).
committing = pytest.mark.django_db(transaction=True)

# No proxy, whatever the environment says: every request goes to loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    text: str

    @property
    def body(self) -> dict:
        parsed = json.loads(self.text)
        assert isinstance(parsed, dict), self.text
        return parsed


def call(
    base: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | None = None,
    timeout: float = 30,
) -> Answer:
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310  (always http://127.0.0.1)
        base + path, data=data, headers=headers, method=method
    )
    try:
        with OPENER.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
        content_type = error.headers.get("Content-Type", "")
    return Answer(status, content_type, raw.decode(errors="replace"))


def in_parallel(calls) -> list[Answer]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(fn) for fn in calls]
        return [future.result() for future in futures]


def login_call(base: str, username: str, password: str = PASSWORD, device=""):
    body = {"username": username, "password": password}
    if device:
        body["device"] = device
    return lambda: call(base, "POST", LOGIN, body=body)


def token_call(base: str, token: str, device: str):
    return lambda: call(base, "GET", f"/token?device={device}", token=token)


@pytest.fixture
def generous_token_rate(monkeypatch):
    """The live server runs in this process: the patched rate reaches it."""
    monkeypatch.setattr(
        throttles.TokenRateThrottle, "THROTTLE_RATES", {"token": "1000/min"}
    )


# --- live_server, on the suite's database ----------------------------------


@committing
@pytest.mark.usefixtures("generous_token_rate")
def test_parallel_token_requests_are_each_issued_and_recorded_once(live_server, alice):
    token = api_token_for(alice)
    devices = [f"device-{n}" for n in range(REQUESTS)]

    answers = in_parallel(token_call(live_server.url, token, d) for d in devices)

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {200: REQUESTS}, [a.text[:200] for a in answers]
    jwts = []
    for device, answer in zip(devices, answers, strict=True):
        body = answer.body
        _, claims = decode(body["token"])
        assert claims["grants"]["identity"] == "alice"
        assert claims["grants"]["chat"]["endpoint_id"] == (
            f"tokenserver:alice:{device}"
        )
        assert claims["exp"] - claims["nbf"] == body["ttl"]
        jwts.append(body["token"])
    events = list(TokenEvent.objects.all())
    assert len(events) == REQUESTS
    assert {event.outcome for event in events} == {"issued"}
    assert len({event.pk for event in events}) == REQUESTS
    assert len({event.jwt_sha256 for event in events}) == REQUESTS
    assert {event.device for event in events} == set(devices)


@pytest.fixture
def one_login_at_a_time_on_shared_sqlite(monkeypatch):
    """On the in-memory SQLite test database, logins run one after the other.

    There the live server's threads all share the test's one connection
    (Django shares in-memory SQLite that way), so two logins' transactions
    collide in it ("database table is locked") instead of waiting as they do
    on a SQLite file, where BEGIN IMMEDIATE makes the second wait. Serialising
    them here is what a SQLite file does; real concurrent SQLite writers are
    tested below with gunicorn on a file. On PostgreSQL nothing is changed:
    the user's row lock must do the work.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return
    lock = threading.Lock()
    post = views.LoginView.post

    def serialised(self, request, *args, **kwargs):
        with lock:
            return post(self, request, *args, **kwargs)

    monkeypatch.setattr(views.LoginView, "post", serialised)


@committing
@pytest.mark.usefixtures("one_login_at_a_time_on_shared_sqlite")
def test_parallel_logins_past_the_session_limit_create_exactly_the_limit(
    live_server, alice, settings
):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 3}
    # The lockout lets at most this many logins of one username be in flight.
    settings.TOKENSERVER_LOGIN_FAILURE_LIMIT = 100
    attempts = 12

    answers = in_parallel(
        login_call(live_server.url, "alice", device=f"phone-{n}")
        for n in range(attempts)
    )

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {200: 3, 403: attempts - 3}, [a.text[:200] for a in answers]
    for answer in answers:
        body = answer.body
        if answer.status == 403:
            assert body["code"] == "too_many_sessions", body
            assert "token" not in body
        else:
            assert body["identity"] == "alice"
    tokens = [answer.body["token"] for answer in answers if answer.status == 200]
    assert ApiToken.objects.filter(user=alice).count() == 3
    # The three tokens handed out are the three that exist, and they work.
    for token in tokens:
        issued = call(live_server.url, "GET", "/token", token=token)
        assert issued.status == 200, issued.text
        _, claims = decode(issued.body["token"])
        assert claims["grants"]["identity"] == "alice"
    assert not TokenEvent.objects.exclude(outcome="issued").exists()


# --- gunicorn on a SQLite file -------------------------------------------------

CREATE_USER = """
import sys
from tokens.models import GrantRule, User
user = User.objects.create_user("crowd", password=sys.stdin.read())
GrantRule.objects.create(user=user, video="any", chat=True)
"""
SQLITE_PASSWORD = "crowded-sqlite-password-0123"
LOCKED = "database is locked"
# Fewer sessions than logins: the limit is raced across two processes too.
SESSION_LIMIT = 24


def manage(env: dict[str, str], *args: str, stdin: str = "") -> None:
    done = run_python("manage.py", *args, env=env, stdin=stdin)
    assert done.returncode == 0, f"manage.py {args[0]}:\n{done.stderr[-3000:]}"


def stop_group(process: subprocess.Popen) -> None:
    """Stop gunicorn and its workers: the process group it leads."""
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


def wait_healthy(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
        try:
            if call(base, "GET", "/healthz", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn not healthy after 30 s:\n{log.read_text()[-3000:]}")


def count_rows(database: Path, query: str) -> int:
    with sqlite3.connect(database, timeout=20) as conn:
        (count,) = conn.execute(query).fetchone()
    return count


def assert_clean(answers: list[Answer]) -> None:
    """200, or a JSON refusal with a code: never a 500, never a lock error."""
    for answer in answers:
        assert answer.status != 500, answer.text
        assert LOCKED not in answer.text, answer.text
        assert answer.content_type.startswith("application/json"), answer
        body = answer.body
        if answer.status != 200:
            assert 400 <= answer.status < 500 or answer.status == 503, answer
            assert isinstance(body.get("code"), str), body
            assert "token" not in body


def test_gunicorn_on_a_sqlite_file_serves_concurrent_writers_without_lock_errors(
    tmp_path,
):
    database = tmp_path / "db.sqlite3"
    env = local_server_env(DATABASE_URL=f"sqlite:///{database}")
    started = time.monotonic()
    manage(env, "migrate", "--no-input")
    manage(env, "shell", "-c", CREATE_USER, stdin=SQLITE_PASSWORD)
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603
            [str(GUNICORN), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env={
                **env,
                "GUNICORN_BIND": f"{HOST}:{port}",
                "GUNICORN_WORKER_CLASS": "gthread",
                "GUNICORN_THREADS": "8",
                "WEB_CONCURRENCY": "2",
                "TOKENSERVER_TOKEN_RATE": "10000/min",
                "TOKENSERVER_LOGIN_RATE": "10000/min",
                # The lockout counts a username's logins in flight (at most
                # this many at once); this test is about database writers.
                "TOKENSERVER_LOGIN_FAILURE_LIMIT": "1000",
                "TOKENSERVER_API_TOKEN_LIMIT": str(SESSION_LIMIT),
            },
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(base, server, log)
        ready = time.monotonic()

        logins = in_parallel(
            login_call(base, "crowd", SQLITE_PASSWORD, device=f"d{n}")
            for n in range(REQUESTS)
        )
        assert_clean(logins)
        api_tokens = [a.body["token"] for a in logins if a.status == 200]
        assert api_tokens, [a.text[:200] for a in logins]
        issues = in_parallel(
            token_call(base, api_tokens[n % len(api_tokens)], f"d{n}")
            for n in range(REQUESTS)
        )
        assert_clean(issues)
        finished = time.monotonic()

        issued = [answer for answer in issues if answer.status == 200]
        for answer in issued:
            _, claims = decode(answer.body["token"])
            assert claims["grants"]["identity"] == "crowd"
        assert len(issued) == count_rows(
            database,
            "SELECT COUNT(*) FROM tokens_tokenevent WHERE outcome = 'issued'",
        )
        # WAL and the busy timeout make writers wait: none is turned away,
        # and the session limit holds exactly.
        refused = [a.body for a in logins if a.status != 200]
        assert {body["code"] for body in refused} <= {"too_many_sessions"}, refused
        assert Counter(a.status for a in logins) == {
            200: SESSION_LIMIT,
            403: REQUESTS - SESSION_LIMIT,
        }
        assert (
            count_rows(database, "SELECT COUNT(*) FROM tokens_apitoken")
            == SESSION_LIMIT
        )
        assert Counter(a.status for a in issues) == {200: REQUESTS}
        print(  # shown with -s: where the time goes
            f"setup {ready - started:.1f}s, 64 requests {finished - ready:.1f}s"
        )
    finally:
        stop_group(server)
    text = log.read_text(errors="replace")
    assert LOCKED not in text
    assert "Traceback" not in text
    assert not re.search(r'" 500 ', text), text[-3000:]
    assert "database error" not in text
