"""The worker when things go wrong: two workers on one removal, a database blip.

Two workers (or a worker and staff) on the same removal: Twilio is asked
once. A pass can outlive its lease (Twilio slow, many removals), and a standby
then takes over while the first still acts on what it read: both hold the
same pending eviction. Whoever claims it first asks Twilio; the other
sees the claim and leaves it. A database that fails for a moment (a
PostgreSQL restart) costs a pass, not the worker: scripts/serve and the
Docker image do not restart it.
"""

import threading

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from tests.standins.twilio_video import API_SECRET
from tests.twilio.test_worker import connected, joined
from tokens.models import Eviction, Room, RoomAccess
from tokens.twilio import eviction, reconcile, removals
from tokens.twilio.conf import WorkerOptions
from tokens.twilio.connected import load_connected
from tokens.twilio.wake import Waiter
from tokens.twilio.worker import Worker

pytest_plugins = ["tests.standins.fixtures"]


@pytest.fixture
def twilio(settings, twilio_video):
    """As in test_worker.py: the app's REST client talks to the stand-in."""
    settings.TWILIO_API_BASE_URL = twilio_video.origin
    settings.TWILIO = {
        **settings.TWILIO,
        "TWILIO_API_SECRET": ("TWILIO_API_SECRET", API_SECRET),
    }
    settings.TWILIO_REST_RETRIES = 0
    return twilio_video


@pytest.fixture
def math(db):
    return Room.objects.create(name="math")


def disconnect_requests(standin) -> int:
    return sum(
        1 for r in standin.requests if r.method == "POST" and "/Participants/" in r.path
    )


def decided(standin, now) -> Eviction:
    """alice's eviction, decided and not carried out yet (read by a worker)."""
    reconcile.reconcile(standin.client(), now=now)
    (present,) = load_connected()
    verdict = eviction.decide(present.facts, now=now)
    return removals.decide(present.session, verdict, now=now)


def test_two_workers_holding_the_same_pending_removal_ask_twilio_once(
    twilio, alice, math
):
    RoomAccess.objects.create(room=math, user=alice, ends_at=timezone.now())
    joined(twilio, "alice")
    now = timezone.now()
    decided(twilio, now)
    (first,) = removals.pending()  # the worker whose lease ran out
    (second,) = removals.pending()  # the standby that took it over

    removals.carry_out(twilio.client(), first, now=now, bound=15)
    removals.carry_out(twilio.client(), second, now=now, bound=15)

    assert disconnect_requests(twilio) == 1
    done = Eviction.objects.get()
    assert done.removed_at is not None
    assert done.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_error_costs_a_pass_not_the_worker(twilio, alice, math):
    RoomAccess.objects.create(room=math, user=alice, ends_at=timezone.now())
    joined(twilio, "alice")
    waiter = Waiter()
    options = WorkerOptions(bound=0.2)
    worker = Worker(twilio.client(), options, holder="me", waiter=waiter)
    failures = [OperationalError("server closed the connection unexpectedly")]

    def blip(execute, sql, params, many, context):
        if failures:
            raise failures.pop()
        return execute(sql, params, many, context)

    threading.Timer(1.5, waiter.stopping.set).start()
    with connection.execute_wrapper(blip):
        worker.run()

    assert not failures  # the first pass met it
    assert connected(twilio) == []
    assert Eviction.objects.get().removed_at is not None
