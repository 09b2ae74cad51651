"""Only one enforcement worker acts at a time: a lease row with an expiry.

The holder renews the lease (`WorkerLease` 'enforce_access') at every pass,
which is also its heartbeat; a worker that dies stops renewing, and once
`expires_at` passes any other worker takes it over. Taking and renewing are
one conditional UPDATE (held by me, or expired), atomic on PostgreSQL and
SQLite alike, so two workers can never both believe they hold it.
"""

import os
import secrets
import socket
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from tokens.twilio.models import WorkerLease

NAME = "enforce_access"


def new_holder() -> str:
    """This process's name as a holder: host, pid and a random part."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(holder: str, *, now: datetime, seconds: float) -> bool:
    """Take or renew the lease until now + seconds; False: another holds it."""
    expires_at = now + timedelta(seconds=seconds)
    taken = (
        WorkerLease.objects.filter(name=NAME)
        .filter(Q(holder=holder) | Q(expires_at__lte=now))
        .update(holder=holder, expires_at=expires_at, heartbeat_at=now)
    )
    if taken:
        return True
    try:
        with transaction.atomic():
            WorkerLease.objects.create(
                name=NAME, holder=holder, expires_at=expires_at, heartbeat_at=now
            )
    except IntegrityError:  # the row exists: held by a live worker
        return False
    return True


def release(holder: str, *, now: datetime) -> None:
    """Give the lease up at a clean stop, so another worker takes over at once."""
    WorkerLease.objects.filter(name=NAME, holder=holder).update(expires_at=now)


def current() -> WorkerLease | None:
    return WorkerLease.objects.filter(name=NAME).first()
