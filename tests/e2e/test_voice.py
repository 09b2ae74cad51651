"""Two gunicorn instances sharing PostgreSQL, driven over HTTP as Twilio would:
signed posts to either instance route by the rules in the shared database,
and a status replayed to the other instance records the call once.

Needs PostgreSQL at TEST_DATABASE_URL's server (default postgres@127.0.0.1):
it runs in the end-to-end stage of scripts/test (RUN_E2E=1), which runs only
where PostgreSQL answers. It makes its own database and drops it."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import psycopg
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers import ROOT, free_port, local_server_env, run_python

PUBLIC = "https://tokens.example.com"
AUTH_TOKEN = "e2e-auth-token-0123456789abcdef"
GUNICORN = Path(sys.executable).parent / "gunicorn"
CALL_SID = "CA" + "e" * 32
SETUP = """
from tokens.models import GrantRule, User
erin = User.objects.create_user("erin")
GrantRule.objects.create(user=erin, voice_outgoing=True)
dave = User.objects.create_user("dave")
GrantRule.objects.create(user=dave, voice_incoming=True)
"""
TAKE_INCOMING_AWAY = (
    "from tokens.models import GrantRule; "
    "GrantRule.objects.filter(user__username='dave').update(voice_incoming=False)"
)


def admin_dsn() -> str:
    url = os.environ.get(
        "TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tokenserver"
    )
    return urlsplit(url)._replace(path="/postgres").geturl()


@pytest.fixture(scope="module")
def database():
    try:
        admin = psycopg.connect(admin_dsn(), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.fail(f"no PostgreSQL for the end-to-end test: {error}")
    name = f"ts_voice_e2e_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(admin_dsn())._replace(path=f"/{name}").geturl()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def server_environment(database: str, **overrides: str) -> dict[str, str]:
    return local_server_env(
        DATABASE_URL=database,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TOKENSERVER_PUBLIC_URL=PUBLIC,
        WEB_CONCURRENCY="1",
        **overrides,
    )


def manage(database: str, *args: str) -> None:
    done = run_python("manage.py", *args, env=server_environment(database))
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def instances(database, tmp_path_factory):
    manage(database, "migrate", "--noinput")
    manage(database, "shell", "-c", SETUP)
    ports, processes = [free_port(), free_port()], []
    folder = tmp_path_factory.mktemp("voice-e2e")
    try:
        for number, port in enumerate(ports):
            env = server_environment(database, GUNICORN_BIND=f"127.0.0.1:{port}")
            with (folder / f"err{number}").open("w") as err:
                processes.append(
                    subprocess.Popen(  # noqa: S603  (our gunicorn, our config)
                        [str(GUNICORN), "-c", "gunicorn.conf.py"],
                        cwd=ROOT,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=err,
                        start_new_session=True,
                    )
                )
        for port, process in zip(ports, processes, strict=True):
            wait_listening(port, process)
        yield ports
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn not answering after 30 s")


def signed_post(port: int, path: str, params: dict) -> tuple[int, bytes]:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, params)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=urlencode(params).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def verbs(body: bytes) -> list[tuple[str, list[str]]]:
    root = ElementTree.fromstring(body)  # noqa: S314  (our own server's answer)
    return [
        (verb.tag, [noun.tag + ":" + (noun.text or "") for noun in verb])
        for verb in root
    ]


def call(sid: str = CALL_SID) -> dict:
    return {
        "CallSid": sid,
        "From": "client:erin",
        "To": "dave",
        "AccountSid": "AC" + "a1" * 16,
    }


def count_records(database: str) -> int:
    with psycopg.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM tokens_callrecord").fetchone()[
            0
        ]


def test_two_instances_route_record_once_and_obey_a_change_at_once(database, instances):
    first, second = instances

    status, dialled = signed_post(first, "/webhooks/twilio/voice", call())
    ended = {**call(), "DialCallStatus": "completed", "DialCallDuration": "17"}
    signed_post(first, "/webhooks/twilio/voice/status", ended)
    replay = signed_post(second, "/webhooks/twilio/voice/status", ended)
    manage(database, "shell", "-c", TAKE_INCOMING_AWAY)
    _, refused = signed_post(second, "/webhooks/twilio/voice", call("CA" + "f" * 32))
    unsigned = urllib.request.Request(
        f"http://127.0.0.1:{first}/webhooks/twilio/voice",
        data=urlencode(call()).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert status == 200
    assert verbs(dialled) == [("Dial", ["Client:dave"])]
    assert replay[0] == 200
    assert count_records(database) == 1
    assert verbs(refused) == [("Say", []), ("Hangup", [])]
    with pytest.raises(urllib.error.HTTPError) as forbidden:
        urllib.request.urlopen(unsigned, timeout=10)  # noqa: S310
    assert forbidden.value.code == 403
