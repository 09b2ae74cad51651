"""The audit log of issued and refused tokens."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from tokens import errors, rows
from tokens.issuing.signing import IssuedToken
from tokens.models import ApiToken, TokenEvent, User
from tokens.policy import Decision, Params


@dataclass(frozen=True)
class Client:
    """Where a request came from, as far as the server can tell."""

    ip: str | None = None
    user_agent: str = ""


def record_issued(
    *,
    user: User,
    decision: Decision,
    params: Params,
    issued: IssuedToken,
    client: Client,
    now: datetime,
) -> TokenEvent:
    # Every /token answer writes a row: a fixed INSERT costs less CPU than the
    # ORM compiling one each time (docs/performance.md). Kept (issue 14):
    # with the API token's fixed read it pays +23 % /token req/s against
    # Model.save(); 2026-12-03, d1b57d2 ("Fast paths: kept or removed").
    event = TokenEvent(
        created_at=now,
        user=user,
        identity=user.twilio_identity,
        outcome=TokenEvent.ISSUED,
        grants=",".join(decision.grants),
        room=decision.room or "",
        device=params.device or "",
        ttl=decision.ttl,
        expires_at=decision.expires_at,
        client_ip=client.ip,
        user_agent=client.user_agent[:256],
        jwt_sha256=issued.sha256,
    )
    return rows.insert(event)


def record_refusal(
    *, user: User, code: str, params: Params | None, client: Client, now: datetime
) -> TokenEvent:
    event = TokenEvent(
        created_at=now,
        user=user,
        identity=user.twilio_identity,
        outcome=code[:32],
        grants=",".join(sorted(params.grants or ())) if params else "",
        room=(params.room or "") if params else "",
        device=(params.device or "") if params else "",
        client_ip=client.ip,
        user_agent=client.user_agent[:256],
    )
    return rows.insert(event)


def outcomes() -> list[str]:
    """Every outcome the log records: issued, then each refusal's code."""
    codes, classes = set(), errors.TokenRefused.__subclasses__()
    while classes:
        refusal = classes.pop()
        codes.add(refusal.default_code)
        classes += refusal.__subclasses__()
    return [TokenEvent.ISSUED, *sorted(codes)]


def prune(
    *, older_than: timedelta, now: datetime, batch: int = 10_000
) -> tuple[int, int, int]:
    """Delete token events older than the age, expired API tokens and sessions."""
    events = prune_events(before=now - older_than, batch=batch)
    expired, _ = ApiToken.objects.filter(Q(expiry__lt=now)).delete()
    # Django's clearsessions, counted; `now` rather than the clock, for tests.
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    return events, expired, sessions


def prune_events(*, before: datetime, batch: int) -> int:
    """Delete events older than `before`, `batch` rows a transaction.

    Short transactions: /token's INSERTs never wait behind one DELETE of a
    million rows, and each batch's locks and WAL stay small.
    """
    deleted = 0
    while True:
        ids = list(
            TokenEvent.objects.filter(created_at__lt=before)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += TokenEvent.objects.filter(pk__in=ids).delete()[0]
