"""Health for orchestrators: liveness apart from readiness.

`/healthz/live` answers as long as the process does (no database): an
orchestrator restarts the container when it stops answering.
`/healthz/ready` says whether this instance can serve: the database and the
cache (Redis) answer within a bounded time and, when rooms are enforced,
the enforcement worker's heartbeat (`WorkerLease.heartbeat_at`, renewed at
every pass) is recent. A load balancer takes an instance that is not ready
out of rotation. Both answer JSON naming what failed ("database", "redis",
"worker"), never a URL, a host or a driver's message.

`/healthz` keeps its first meaning: the database answers. All three are
served by tokens.middleware.HealthCheckMiddleware before host validation and
the HTTPS redirect: probes come by pod IP over plain HTTP.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tokens import errors

# The longest the database may take to answer the readiness probe.
DATABASE_TIMEOUT_MS = 1500
# The worker's heartbeat is recent within this many lease periods.
HEARTBEAT_LEASES = 2


def database_answers() -> bool:
    """SELECT 1 within DATABASE_TIMEOUT_MS (PostgreSQL's statement_timeout;
    SQLite is a local file). A connection that cannot be opened fails within
    the connect_timeout the settings give PostgreSQL."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(DATABASE_TIMEOUT_MS)],
                )
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def redis_answers() -> bool:
    """One read from the cache holding throttles and lockouts, within the
    socket timeout REDIS_TIMEOUT gives it. A local-memory cache answers."""
    try:
        caches["default"].get("healthz:probe")
    except Exception:  # redis-py's ConnectionError, TimeoutError, ...
        return False
    return True


def heartbeat_is_recent(heartbeat_at: datetime | None, *, now: datetime) -> bool:
    """Whether the worker passed within HEARTBEAT_LEASES lease periods."""
    if heartbeat_at is None:
        return False
    bound = timedelta(seconds=HEARTBEAT_LEASES * settings.TOKENSERVER_WORKER_LEASE)
    return now - heartbeat_at <= bound


def worker_is_running() -> bool:
    """True when rooms are not enforced (no worker is needed), or when the
    enforcement worker's heartbeat is recent."""
    from tokens.twilio import lease
    from tokens.twilio.conf import rooms_enforced

    if not rooms_enforced():
        return True
    held = lease.current()
    return heartbeat_is_recent(held.heartbeat_at if held else None, now=timezone.now())


def failures() -> list[str]:
    """The names of what is not ready, in a fixed order; [] when ready."""
    failed = []
    database = database_answers()
    if not database:
        failed.append("database")
    if not redis_answers():
        failed.append("redis")
    if database and not _worker_ok():
        failed.append("worker")
    return failed


def _worker_ok() -> bool:
    try:
        return worker_is_running()
    except DatabaseError:
        return False


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The load balancer's check since the first release: 200 when the
    database answers (within DATABASE_TIMEOUT_MS), 503 otherwise."""
    if database_answers():
        return JsonResponse({"status": "ok"})
    return errors.with_retry_after(
        JsonResponse(
            {
                "status": "unavailable",
                "detail": "The database does not answer.",
                "code": "database_unavailable",
            },
            status=503,
        )
    )


@require_safe
@never_cache
def live(request: HttpRequest) -> JsonResponse:
    """200 while the process answers; reads nothing."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache and (if needed) the worker are fine;
    503 naming what failed otherwise."""
    failed = failures()
    if not failed:
        return JsonResponse({"status": "ok", "failed": []})
    return errors.with_retry_after(
        JsonResponse(
            {
                "status": "unavailable",
                "detail": "Not ready: " + ", ".join(failed) + ".",
                "code": "not_ready",
                "failed": failed,
            },
            status=503,
        )
    )


# What HealthCheckMiddleware answers, by path.
VIEWS = {"/healthz": healthz, "/healthz/live": live, "/healthz/ready": ready}
