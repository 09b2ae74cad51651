"""GET /healthz/live and /healthz/ready for orchestrators (tokens/health.py,
answered by tokens/middleware.py before host validation and the HTTPS
redirect). /healthz itself: tests/web/test_healthz.py."""

import logging
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.db_faults import DRIVER_MESSAGE, database_failing, database_slow
from tests.limits.test_cache_failure import CLOSED_PORT_URL, use_cache_at
from tokens import errors, health
from tokens.twilio import lease
from tokens.twilio.models import WorkerLease

LIVE, READY = "/healthz/live", "/healthz/ready"


@pytest.fixture
def worker_alive(db):
    """The enforcement worker passed just now and holds the lease."""
    assert lease.acquire("worker:1", now=timezone.now(), seconds=30)


def assert_not_ready(response, failed: list[str]) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["failed"] == failed
    text = response.content.decode()
    for secret in (DRIVER_MESSAGE, "redis://", "127.0.0.1", "postgres"):
        assert secret not in text


def test_live_answers_without_the_database(db):
    with database_failing():
        response = Client().get(LIVE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_ready_answers_ok_when_everything_answers(worker_alive):
    response = Client().get(READY)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "failed": []}


def test_probes_answer_by_ip_over_plain_http_and_refuse_other_methods(
    worker_alive, settings
):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["tokens.example.com"]
    client = Client(HTTP_HOST="10.0.3.7:8000")
    assert client.get(LIVE).status_code == 200
    assert client.get(READY).status_code == 200
    assert client.head(READY).status_code == 200
    refused = client.post(READY)
    assert refused.status_code == 405
    assert refused.json()["code"] == "method_not_allowed"


def test_ready_names_the_database_when_it_fails(worker_alive):
    with database_failing():
        response = Client().get(READY)
    assert_not_ready(response, ["database"])


def test_ready_names_redis_when_it_refuses(worker_alive, settings):
    use_cache_at(settings, CLOSED_PORT_URL)
    response = Client().get(READY)
    assert_not_ready(response, ["redis"])


def test_ready_names_the_worker_when_its_heartbeat_is_stale(worker_alive, settings):
    stale = timezone.now() - timedelta(
        seconds=2 * settings.TOKENSERVER_WORKER_LEASE + 5
    )
    WorkerLease.objects.filter(name=lease.NAME).update(heartbeat_at=stale)
    assert_not_ready(Client().get(READY), ["worker"])


def test_ready_names_the_worker_when_none_ever_ran(db):
    assert not WorkerLease.objects.exists()
    assert_not_ready(Client().get(READY), ["worker"])


def test_ready_needs_no_worker_when_rooms_are_not_enforced(db, rooms_not_enforced):
    assert not WorkerLease.objects.exists()
    assert Client().get(READY).status_code == 200


def test_heartbeat_is_recent_within_two_lease_periods(settings):
    settings.TOKENSERVER_WORKER_LEASE = 30
    now = timezone.now()
    assert health.heartbeat_is_recent(now - timedelta(seconds=60), now=now)
    assert not health.heartbeat_is_recent(now - timedelta(seconds=61), now=now)
    assert not health.heartbeat_is_recent(None, now=now)


@pytest.mark.django_db(transaction=True)
def test_ready_is_bounded_when_the_database_is_slow(worker_alive):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; SQLite is a local file")
    started = time.monotonic()
    with database_slow(10):
        response = Client().get(READY)
    elapsed = time.monotonic() - started
    assert_not_ready(response, ["database"])
    assert elapsed < health.DATABASE_TIMEOUT_MS / 1000 + 1.5


def test_successful_probes_are_not_logged_at_info(worker_alive, caplog):
    with caplog.at_level(logging.INFO, logger="tokenserver.requests"):
        Client().get(LIVE)
        Client().get(READY)
        with database_failing():
            Client().get(READY)
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == "tokenserver.requests" and record.levelno >= logging.INFO
    ]
    assert lines == [f"GET {READY} 503"]
