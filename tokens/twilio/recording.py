"""Write what a status callback says, idempotently and in any order.

One transaction per callback, with the Twilio room's row locked, so two
callbacks of one room (Twilio may send them in parallel) apply one after
the other. Each timestamp is written only while it is empty, and an end is
never undone: replaying a callback changes nothing, and a late
participant-connected cannot reopen a session that already ended.
"""

from datetime import datetime

from django.db import transaction

from tokens.models import Room, User
from tokens.twilio.models import (
    ENDED_STATUSES,
    IN_PROGRESS,
    ParticipantSession,
    TwilioRoom,
)
from tokens.twilio.webhooks import PARTICIPANT_EVENTS, Callback


def managed_room(callback: Callback) -> Room | None:
    """The Room row of this name: rooms without one are not ours."""
    return Room.objects.filter(name=callback.room_name).first()


def record(callback: Callback, room: Room) -> None:
    """Apply a known event of a managed room."""
    with transaction.atomic():
        twilio_room = _twilio_room(callback, room)
        if callback.event in PARTICIPANT_EVENTS:
            _session(callback, twilio_room)
        elif callback.event == "room-ended":
            end_room(twilio_room, callback.timestamp)


def _initial_status(callback: Callback) -> str:
    if callback.event == "room-ended":
        return "completed"
    status = callback.room_status
    return status if status in ENDED_STATUSES else IN_PROGRESS


def _twilio_room(callback: Callback, room: Room) -> TwilioRoom:
    found = TwilioRoom.objects.select_for_update().filter(sid=callback.room_sid)
    twilio_room = found.first()
    if twilio_room is None:
        status = _initial_status(callback)
        if status == IN_PROGRESS:
            _supersede(callback)
        twilio_room = TwilioRoom.objects.create(
            sid=callback.room_sid,
            room=room,
            unique_name=callback.room_name,
            status=status,
            status_since=callback.timestamp,
        )
    if callback.event == "room-created" and twilio_room.created_at is None:
        twilio_room.created_at = callback.timestamp
        twilio_room.save(update_fields=["created_at", "updated_at"])
    return twilio_room


def _supersede(callback: Callback) -> None:
    """Twilio keeps one in-progress room per name: a new one means the old
    one ended, even if its room-ended callback was lost."""
    for old in TwilioRoom.objects.select_for_update().filter(
        unique_name=callback.room_name, status=IN_PROGRESS
    ):
        end_room(old, callback.timestamp)


def end_room(twilio_room: TwilioRoom, at: datetime) -> None:
    """The room ended at `at` (unless an end is known already): its
    sessions still open end with it. Call it with the row locked."""
    if twilio_room.is_live:
        twilio_room.status = "completed"
        twilio_room.status_since = at
    if twilio_room.ended_at is None:
        twilio_room.ended_at = at
        twilio_room.save()
    # Everyone still shown as connected left when the room ended.
    for session in twilio_room.sessions.connected():
        _close(session, twilio_room.ended_at, duration=None)


def _close(session: ParticipantSession, at, *, duration: int | None) -> None:
    session.disconnected_at = at
    if duration is None and session.connected_at is not None:
        duration = max(0, int((at - session.connected_at).total_seconds()))
    session.duration = duration
    session.save()


def _session(callback: Callback, twilio_room: TwilioRoom) -> None:
    session, _ = ParticipantSession.objects.get_or_create(
        participant_sid=callback.participant_sid,
        defaults={
            "twilio_room": twilio_room,
            "identity": callback.identity,
            "user": User.objects.filter(twilio_identity=callback.identity).first(),
        },
    )
    if callback.event == "participant-connected":
        _connected(session, callback, twilio_room)
    elif session.disconnected_at is None:
        if session.connected_at is None:
            session.connected_at = callback.started_at
        _close(session, callback.timestamp, duration=callback.participant_duration)


def _connected(
    session: ParticipantSession, callback: Callback, twilio_room: TwilioRoom
) -> None:
    if session.connected_at is None:
        session.connected_at = callback.timestamp
        if session.disconnected_at is not None and session.duration is None:
            seconds = (session.disconnected_at - callback.timestamp).total_seconds()
            session.duration = max(0, int(seconds))
        session.save()
    if session.disconnected_at is None and not twilio_room.is_live:
        _close(session, twilio_room.ended_at or callback.timestamp, duration=None)
