"""The audit log of issued and refused tokens."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.sessions.models import Session
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


def prune(*, older_than: timedelta, now: datetime) -> tuple[int, int, int]:
    """Delete token events older than the age, expired API tokens and sessions."""
    events, _ = TokenEvent.objects.filter(created_at__lt=now - older_than).delete()
    expired, _ = ApiToken.objects.filter(Q(expiry__lt=now)).delete()
    # Django's clearsessions, counted; `now` rather than the clock, for tests.
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    return events, expired, sessions
