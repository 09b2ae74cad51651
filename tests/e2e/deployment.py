"""A deployment as an operator runs it, on loopback: two gunicorn instances
and two `manage.py enforce_access` workers sharing one PostgreSQL database
and one Redis, with the stand-in Twilio Video API as Twilio.

The stand-in's status callbacks are signed for the public URL
(`PUBLIC_URL`, as behind a TLS-terminating proxy) and delivered to
instance "a". Process plumbing (databases, Redis, gunicorn) is
scripts/two_instances.py's, so both checks start servers the same way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from scripts import two_instances as ti
from tests.standins.twilio_video import TwilioVideoStandIn

PUBLIC_URL = "https://tokens.example.test"
# Tighter than the defaults (15, 60, 30 s), so the run is short and the
# bound is held at a stricter setting than operators get out of the box.
EVICTION_BOUND = 5  # seconds from access ending to removal
RECONCILE_INTERVAL = 5  # seconds; a lost callback is caught this quickly
WORKER_LEASE = 10  # seconds a dead worker's lease keeps the other idle

SHELL = """
import json, sys
from datetime import timedelta
from django.utils import timezone
from tokens.models import GrantRule, Room, RoomAccess, User
data = json.loads(sys.stdin.read())
now = timezone.now()
"""


@dataclass
class Deployment:
    run: ti.Run
    env: dict[str, str]
    twilio: TwilioVideoStandIn
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    # -- processes -----------------------------------------------------
    def start_worker(self, name: str) -> None:
        log = (self.run.tmp / f"worker-{name}.log").open("a")
        self.workers[name] = subprocess.Popen(  # noqa: S603
            [str(ti.PYTHON), "manage.py", "enforce_access"],
            cwd=ti.ROOT,
            env={**self.env, "WORKER_NAME": name},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill_worker(self, name: str) -> None:
        """SIGKILL: the worker vanishes mid-pass, as in a crash."""
        worker = self.workers.pop(name)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def worker_logs(self) -> str:
        return "\n".join(
            f"--- worker {name}\n{ti.tail(self.run.tmp / f'worker-{name}.log', 40)}"
            for name in sorted({p.stem[7:] for p in self.run.tmp.glob("worker-*.log")})
        )

    # -- the database, as staff change it (the ORM: its signals fire) --
    def shell(self, code: str, data: object = None) -> str:
        done = subprocess.run(  # noqa: S603
            [str(ti.PYTHON), "manage.py", "shell", "-c", SHELL + code],
            cwd=ti.ROOT,
            env=self.env,
            input=json.dumps(data),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def query(self, sql: str, *params: object) -> list[tuple]:
        info = psycopg.conninfo.conninfo_to_dict(ti.ADMIN_DSN)
        info["dbname"] = self.run.db_name
        with psycopg.connect(**info, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def evictions(self, room: str) -> list[tuple[str, str, bool]]:
        """(identity, reason, removed) of every eviction in the room."""
        return [
            (identity, reason, removed)
            for identity, reason, removed in self.query(
                "SELECT s.identity, e.reason, e.removed_at IS NOT NULL"
                " FROM tokens_eviction e"
                " JOIN tokens_participantsession s ON s.id = e.session_id"
                " JOIN tokens_twilioroom r ON r.id = s.twilio_room_id"
                " WHERE r.unique_name = %s ORDER BY s.identity",
                room,
            )
        ]

    # -- the clients ---------------------------------------------------
    def join(self, instance: str, user: str, room: str, **join) -> str:
        """Log in, get a token for the room (which creates it on Twilio when
        needed), and connect as the SDK would; the participant SID."""
        api_token = ti.login_token(self.run, instance, user)
        answer = ti.request(
            self.run, instance, "GET", f"/token?room={room}", token=api_token
        )
        assert answer.status == 200, (user, room, answer)
        return self.twilio.join(room, answer.body["identity"], **join).sid

    def disconnects(self, participant_sid: str) -> int:
        """How many times Twilio was told to remove the participant, and did."""
        return sum(
            1
            for r in self.twilio.requests
            if r.method == "POST"
            and r.path.endswith(f"/Participants/{participant_sid}")
            and r.form.get("Status") in ("disconnected", ["disconnected"])
            and r.status in (200, 202)
        )

    def status(self, room: str, participant_sid: str) -> str:
        with self.twilio.state.lock:
            found = self.twilio.state.find_room(room)
            return self.twilio.state.find_participant(found, participant_sid).status

    def wait_removed(self, room: str, participant_sid: str, seconds: float) -> float:
        """Wait until Twilio has disconnected the participant; when it did."""
        deadline = time.monotonic() + seconds
        while self.status(room, participant_sid) == "connected":
            assert time.monotonic() < deadline, (
                f"{participant_sid} still in {room} after {seconds:.0f} s\n"
                + self.worker_logs()
            )
            time.sleep(0.25)
        return time.time()


def utcnow() -> datetime:
    return datetime.now(UTC)


def start(users: dict[str, str]) -> Deployment:
    """Everything up, users created (name -> video level), nothing else."""
    run = ti.Run()
    run.redis_port = ti.free_port()
    twilio = TwilioVideoStandIn().start()
    ti.create_database(run)
    ti.start_redis(run)
    env = ti.app_env(run)
    env.update(
        {
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_API_KEY": twilio.api_key_sid,
            "TWILIO_API_SECRET": twilio.api_secret,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_API_BASE_URL": twilio.origin,
            "TOKENSERVER_PUBLIC_URL": PUBLIC_URL,
            "TOKENSERVER_EVICTION_BOUND": str(EVICTION_BOUND),
            "TOKENSERVER_RECONCILE_INTERVAL": str(RECONCILE_INTERVAL),
            "TOKENSERVER_WORKER_LEASE": str(WORKER_LEASE),
            "TOKENSERVER_TOKEN_RATE": "1000/min",
        }
    )
    deployment = Deployment(run, env, twilio)
    ti.manage(env, "migrate", "--noinput")
    run.passwords = {name: f"e2e-{name}-{os.urandom(6).hex()}" for name in users}
    deployment.shell(
        "for name, (video, password) in data.items():\n"
        "    user = User.objects.create_user(name, password=password)\n"
        "    GrantRule.objects.create(user=user, video=video)\n",
        {name: (video, run.passwords[name]) for name, video in users.items()},
    )
    for instance in ("a", "b"):
        ti.start_server(run, env, instance)
    for instance in ("a", "b"):
        ti.wait_healthy(run, instance)
    twilio.sender.route[PUBLIC_URL] = run.url("a", "")
    for name in ("w1", "w2"):
        deployment.start_worker(name)
    return deployment


def stop(deployment: Deployment) -> None:
    run = deployment.run
    for worker in deployment.workers.values():
        ti.stop_group(worker)
    for server in run.servers.values():
        ti.stop_group(server)
    ti.kill_redis(run)
    if run.db_created:
        ti.drop_database(run)
    deployment.twilio.stop()
