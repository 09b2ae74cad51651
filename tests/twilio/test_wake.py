"""Staff changes wake the worker (tokens/twilio/wake.py, signals.py), and the
worker stops cleanly when asked."""

import os
import signal
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.management import call_command
from django.utils import timezone

from tests.db_faults import database_failing
from tokens.models import GrantRule, Room, RoomAccess, WorkerLease
from tokens.twilio import lease, wake
from tokens.twilio.conf import WorkerOptions
from tokens.twilio.wake import Waiter
from tokens.twilio.worker import Worker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def held(db):
    now = timezone.now()
    return WorkerLease.objects.create(
        name=lease.NAME, holder="me", expires_at=now, heartbeat_at=now
    )


def stamp():
    return WorkerLease.objects.get().wake_requested_at


def test_revoking_access_in_a_transaction_wakes_the_worker_after_commit(
    held, alice, room, django_capture_on_commit_callbacks
):
    access = RoomAccess.objects.create(room=room, user=alice)
    waiter = Waiter()
    with django_capture_on_commit_callbacks(execute=True):
        access.delete()
        assert stamp() is None  # not before the change is visible

    started = time.monotonic()
    assert waiter.wait(10) is True
    assert time.monotonic() - started < 1
    assert waiter.wait(0.1) is False  # one wake, one pass


@pytest.mark.parametrize(
    "change",
    [
        lambda alice, room: setattr(room, "active", False) or room.save(),
        lambda alice, room: setattr(alice, "is_active", False) or alice.save(),
        lambda alice, room: GrantRule.objects.get(user=alice).delete(),
        lambda alice, room: alice.groups.clear(),
        lambda alice, room: Room.objects.get(pk=room.pk).delete(),
    ],
)
def test_each_change_that_may_remove_access_wakes_the_worker(
    held, alice, room, team, change, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change(alice, room)

    assert stamp() is not None


def test_a_login_does_not_wake_the_worker(
    held, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice.last_login = timezone.now()
        alice.save(update_fields=["last_login"])

    assert stamp() is None


def test_without_a_wake_the_waiter_sleeps_its_time(held):
    started = time.monotonic()

    assert Waiter().wait(0.3) is False
    assert time.monotonic() - started >= 0.3


def test_the_worker_stops_cleanly_and_gives_its_lease_up(db):
    waiter = Waiter()
    worker = Worker(None, WorkerOptions(), holder="me", waiter=waiter)  # type: ignore[arg-type]
    worker.next_reconcile = timezone.now() + timedelta(hours=1)  # no Twilio call
    threading.Timer(0.3, waiter.stopping.set).start()

    worker.run()

    assert lease.current().expires_at <= timezone.now()


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_with_redis_a_wake_ends_the_blocking_wait_at_once(settings, monkeypatch):
    monkeypatch.setattr(wake, "KEY", f"test:wake:{uuid.uuid4().hex}")
    settings.REDIS_URL = REDIS_URL
    waiter = Waiter(redis_url=REDIS_URL, longest=10)
    threading.Timer(0.2, wake._wake).start()

    started = time.monotonic()
    assert waiter.wait(10) is True
    assert time.monotonic() - started < 2
    assert waiter.wait(0.2) is False  # drained: one pass for many wakes


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_a_standby_worker_leaves_the_wake_to_the_lease_holder(
    settings, monkeypatch, db
):
    monkeypatch.setattr(wake, "KEY", f"test:wake:{uuid.uuid4().hex}")
    settings.REDIS_URL = REDIS_URL
    now = timezone.now()
    WorkerLease.objects.create(
        name=lease.NAME,
        holder="the other",
        expires_at=now + timedelta(minutes=1),
        heartbeat_at=now,
    )
    standby = Worker(
        None,  # type: ignore[arg-type]  # a standby never calls Twilio
        WorkerOptions(),
        holder="me",
        waiter=Waiter(redis_url=REDIS_URL, longest=10),
    )
    wake._wake()

    standby.rest(standby.run_pass() and 0.3)

    holder = Waiter(redis_url=REDIS_URL, longest=10)
    assert holder.wait(1) is True  # the wake is still there for the holder


def test_a_wake_with_redis_down_is_a_warning_and_the_change_stands(
    held, alice, room, settings, caplog, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:1/13"  # nothing listens there
    settings.REDIS_TIMEOUT = 0.5
    access = RoomAccess.objects.create(room=room, user=alice)

    with django_capture_on_commit_callbacks(execute=True):
        access.delete()

    assert not RoomAccess.objects.exists()
    assert "could not wake the worker: ConnectionError" in caplog.text


def test_a_waiter_whose_redis_is_down_still_sleeps_its_time(db, caplog):
    waiter = Waiter(redis_url="redis://127.0.0.1:1/13", longest=1)
    started = time.monotonic()

    assert waiter.wait(0.3) is False
    assert time.monotonic() - started >= 0.3
    assert "waiting on Redis failed: ConnectionError" in caplog.text


def test_a_stopped_waiter_does_not_wait(held):
    waiter = Waiter()
    waiter.stop()
    started = time.monotonic()

    assert waiter.wait(10) is False
    assert time.monotonic() - started < 0.5


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_a_stop_signal_ends_the_blocking_wait_on_redis_at_once(monkeypatch):
    monkeypatch.setattr(wake, "KEY", f"test:wake:{uuid.uuid4().hex}")
    waiter = Waiter(redis_url=REDIS_URL, longest=10)
    previous = signal.signal(signal.SIGALRM, lambda *_: waiter.stop())
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    started = time.monotonic()
    try:
        assert waiter.wait(10) is False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    assert time.monotonic() - started < 2
    assert waiter.wait(10) is False  # stopped for good


@pytest.mark.django_db(transaction=True)
def test_without_redis_a_failing_database_costs_the_wake_only_time(held, caplog):
    waiter = Waiter()
    started = time.monotonic()
    with database_failing():
        wake._wake()  # after a staff change: the stamp cannot be written
        assert waiter.wait(0.3) is False  # nor read: the worker sleeps its time

    assert time.monotonic() - started >= 0.3
    assert "could not wake the worker: OperationalError" in caplog.text
    assert Waiter().wait(0.1) is False  # no stale wake left behind


def test_loading_a_fixture_wakes_nobody(
    held, tmp_path, django_capture_on_commit_callbacks
):
    fixture = tmp_path / "rooms.json"
    fixture.write_text(
        '[{"model": "tokens.room", "pk": 900, "fields": {"name": "loaded"}}]'
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(fixture), verbosity=0)

    assert Room.objects.filter(name="loaded").exists()
    assert stamp() is None
