"""Make the recorded state of managed rooms agree with what Twilio lists now.

Status callbacks may be lost or late; Twilio's REST lists are the truth.
Everything is read from Twilio first (any failure raises before a row is
written), then written in one transaction: a live room or a connected
participant missing here is recorded (so the worker can judge them), and a
room or session recorded as live that Twilio no longer lists is closed.

What started after the listing began is left alone: a callback recorded in
between is newer than the list, and the next reconciliation sees it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from twilio.rest import Client

from tokens.models import Room, User
from tokens.twilio import rest
from tokens.twilio.models import IN_PROGRESS, ParticipantSession, TwilioRoom

# Twilio's clock and ours may differ a little: only what began clearly
# before the listing is closed for being absent from it.
SKEW = timedelta(seconds=5)


@dataclass(frozen=True)
class Reconciled:
    rooms: int = 0  # live managed rooms on Twilio
    added: int = 0  # sessions recorded from the lists (missed callbacks)
    closed: int = 0  # sessions closed that Twilio no longer lists


def reconcile(client: Client, *, now: datetime) -> Reconciled:
    """Read Twilio's live managed rooms and participants, then record them."""
    live = rest.list_in_progress_rooms(client)
    managed = {
        room.name: room
        for room in Room.objects.filter(name__in={info.unique_name for info in live})
    }
    listed = {
        info.sid: (info, rest.list_connected_participants(client, info.sid))
        for info in live
        if info.unique_name in managed
    }
    with transaction.atomic():
        rooms = _rooms(listed, managed, now)
        added = _add_sessions(listed, rooms, now)
        closed = _close_absent(listed, now)
    return Reconciled(rooms=len(listed), added=added, closed=closed)


def _rooms(listed, managed, now) -> dict[str, TwilioRoom]:
    """The TwilioRoom row of each listed room, created when missing."""
    rows = {
        row.sid: row
        for row in TwilioRoom.objects.select_for_update().filter(sid__in=listed)
    }
    for sid, (info, _) in listed.items():
        if sid in rows:
            continue
        # Twilio keeps one live room per name: a recorded one is over.
        for old in TwilioRoom.objects.select_for_update().filter(
            unique_name=info.unique_name, status=IN_PROGRESS
        ):
            _end_room(old, now)
        rows[sid] = TwilioRoom.objects.create(
            sid=sid,
            room=managed[info.unique_name],
            unique_name=info.unique_name,
            status=IN_PROGRESS,
            status_since=info.date_created or now,
            created_at=info.date_created,
        )
    return rows


def _add_sessions(listed, rooms, now) -> int:
    participants = [p for _, found in listed.values() for p in found]
    known = set(
        ParticipantSession.objects.filter(
            participant_sid__in=[p.sid for p in participants]
        ).values_list("participant_sid", flat=True)
    )
    missing = [p for p in participants if p.sid not in known]
    users = {
        user.twilio_identity: user
        for user in User.objects.filter(
            twilio_identity__in={p.identity for p in missing}
        )
    }
    ParticipantSession.objects.bulk_create(
        [
            ParticipantSession(
                twilio_room=rooms[p.room_sid],
                participant_sid=p.sid,
                identity=p.identity,
                user=users.get(p.identity),
                connected_at=p.start_time or now,
            )
            for p in missing
        ],
        ignore_conflicts=True,  # a callback recorded it meanwhile
    )
    return len(missing)


def _close_absent(listed, now) -> int:
    """Close the sessions and rooms recorded as live that Twilio did not list."""
    before = now - SKEW
    listed_sids = {p.sid for _, found in listed.values() for p in found}
    closed = 0
    for room in TwilioRoom.objects.select_for_update().filter(
        status=IN_PROGRESS, room__isnull=False, status_since__lt=before
    ):
        if room.sid not in listed:
            closed += _end_room(room, now)
    stale = (
        ParticipantSession.objects.connected()
        .filter(twilio_room__sid__in=list(listed), connected_at__lt=before)
        .exclude(participant_sid__in=listed_sids)
    )
    for session in stale:
        _close(session, now)
        closed += 1
    return closed


def _end_room(room: TwilioRoom, now: datetime) -> int:
    room.status, room.status_since = "completed", now
    room.ended_at = room.ended_at or now
    room.save()
    sessions = list(room.sessions.connected())
    for session in sessions:
        _close(session, now)
    return len(sessions)


def _close(session: ParticipantSession, at: datetime) -> None:
    session.disconnected_at = at
    if session.connected_at is not None:
        session.duration = max(0, int((at - session.connected_at).total_seconds()))
    session.save(update_fields=["disconnected_at", "duration"])
