"""Remove participants through Twilio's REST, once each, retried until done.

The `Eviction` row is written before Twilio is asked: it is one per session
(a OneToOne), so whatever restarts, retries or second worker comes along,
nobody is decided, or removed, twice. A failed request leaves the row due,
with `attempts`, the error's code and `next_attempt_at` backing off (1, 2,
4 ... seconds, at most the eviction bound); it is never dropped.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q
from twilio.rest import Client

from tokens.errors import TwilioUnavailable
from tokens.metrics import record as metrics
from tokens.twilio import rest
from tokens.twilio.eviction import Verdict
from tokens.twilio.models import Eviction, ParticipantSession

logger = logging.getLogger(__name__)


def decide(session: ParticipantSession, verdict: Verdict, *, now: datetime) -> Eviction:
    """The session's eviction, written now unless another pass wrote it."""
    eviction, _ = Eviction.objects.get_or_create(
        session=session,
        defaults={
            "reason": verdict.reason,
            "access_ended_at": verdict.access_ended_at or now,
            "decided_at": now,
        },
    )
    return eviction


def cancel(sessions: Iterable[ParticipantSession]) -> int:
    """Drop the removals still due of sessions whose access is back (staff
    restored it while Twilio failed): one query. Staff removals stay."""
    ids = [session.pk for session in sessions]
    if not ids:
        return 0
    dropped, _ = (
        Eviction.objects.filter(session__in=ids, removed_at__isnull=True)
        .exclude(reason=Eviction.STAFF)
        .delete()
    )
    if dropped:
        logger.info("%d removal(s) no longer due: access is back", dropped)
    return dropped


def pending() -> list[Eviction]:
    """Every eviction not yet carried out, with its session and room: one query."""
    return list(
        Eviction.objects.filter(removed_at__isnull=True)
        .select_related("session__twilio_room")
        .order_by("decided_at")
    )


def is_due(eviction: Eviction, now: datetime) -> bool:
    return eviction.next_attempt_at is None or eviction.next_attempt_at <= now


def next_retry(evictions: Iterable[Eviction], now: datetime) -> datetime | None:
    later = [e.next_attempt_at for e in evictions if not is_due(e, now)]
    return min((at for at in later if at is not None), default=None)


def carry_out(
    client: Client, eviction: Eviction, *, now: datetime, bound: float
) -> bool:
    """Ask Twilio to disconnect the participant; record the outcome.

    The attempt is claimed first, on the attempts this copy read: a second
    worker (a pass that outlived its lease) or staff acting on the same row
    find it claimed and leave it (False). A claim lasts the bound, so a
    worker that dies mid-request only delays the retry.
    """
    session = eviction.session
    claimed = Eviction.objects.filter(
        pk=eviction.pk, removed_at__isnull=True, attempts=eviction.attempts
    ).update(
        attempts=eviction.attempts + 1,
        next_attempt_at=now + timedelta(seconds=bound),
    )
    if not claimed:
        return False
    eviction.attempts += 1
    try:
        found = rest.disconnect_participant(
            client, session.twilio_room.sid, session.participant_sid
        )
    except (TwilioUnavailable, rest.TwilioRefused) as error:
        eviction.last_error = code(error)
        wait = min(bound, 2 ** (eviction.attempts - 1))
        eviction.next_attempt_at = now + timedelta(seconds=wait)
        eviction.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        logger.warning(
            "removing %s from %s failed (%s, attempt %d): retry in %s s",
            session.identity,
            session.twilio_room.unique_name,
            eviction.last_error,
            eviction.attempts,
            wait,
        )
        return False
    eviction.removed_at = now
    eviction.next_attempt_at = None
    eviction.last_error = "" if found is not None else "not_found"
    eviction.save(
        update_fields=["attempts", "removed_at", "next_attempt_at", "last_error"]
    )
    _close(session, now)
    metrics.eviction(
        eviction.reason, access_ended_at=eviction.access_ended_at, removed_at=now
    )
    logger.info(
        "removed %s from %s: %s (access ended %s, %d attempt(s))",
        session.identity,
        session.twilio_room.unique_name,
        eviction.reason,
        eviction.access_ended_at.isoformat(),
        eviction.attempts,
    )
    return True


def code(error: Exception) -> str:
    """What went wrong, short and without Twilio's text (it may quote us)."""
    if isinstance(error, rest.TwilioRefused):
        return f"refused {error.status or '-'}/{error.code or '-'}"
    return "twilio_unavailable"


def _close(session: ParticipantSession, at: datetime) -> None:
    """Twilio's participant-disconnected callback may follow; it keeps this."""
    if session.disconnected_at is not None:
        return
    ParticipantSession.objects.filter(
        Q(pk=session.pk), Q(disconnected_at__isnull=True)
    ).update(
        disconnected_at=at,
        duration=None
        if session.connected_at is None
        else max(0, int((at - session.connected_at).total_seconds())),
    )
