"""POST /webhooks/twilio/video records events idempotently and in any order."""

from tests.standins.twilio_webhook_posts import (
    BOB_SID,
    OTHER_ROOM_SID,
    ROOM_SID,
    event,
    joined,
    left,
    post,
    send,
    snapshot,
)
from tokens.models import ParticipantSession, TwilioRoom


def test_a_connect_records_who_is_in_the_room_now(tokens, standup, alice):
    send(tokens, event("room-created", "09:59:00"), joined())

    twilio_room = TwilioRoom.objects.get()
    session = ParticipantSession.objects.get()
    assert (twilio_room.sid, twilio_room.room, twilio_room.status) == (
        ROOM_SID,
        standup,
        "in-progress",
    )
    assert twilio_room.created_at.isoformat() == "2026-03-02T09:59:00+00:00"
    assert (session.identity, session.user, session.disconnected_at) == (
        "alice",
        alice,
        None,
    )
    assert list(ParticipantSession.objects.connected()) == [session]


def test_a_session_ends_with_its_duration(tokens, standup):
    send(tokens, joined(), left())

    session = ParticipantSession.objects.get()
    assert session.duration == 300
    assert session.disconnected_at.isoformat() == "2026-03-02T10:05:00+00:00"
    assert not ParticipantSession.objects.connected().exists()


def test_an_identity_that_is_no_user_is_recorded_without_one(tokens, standup):
    send(tokens, joined(identity="stranger"))

    assert ParticipantSession.objects.get().user is None


def test_a_replayed_event_changes_nothing(tokens, standup):
    send(tokens, event("room-created", "09:59:00"), joined(), left())
    before = snapshot()

    send(tokens, joined(), left(), event("room-created", "09:59:00"))

    assert snapshot() == before


def test_a_disconnect_before_its_connect_leaves_no_ghost(tokens, standup):
    send(tokens, left(), joined())

    session = ParticipantSession.objects.get()
    assert session.disconnected_at.isoformat() == "2026-03-02T10:05:00+00:00"
    assert session.connected_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert session.duration == 300
    assert not ParticipantSession.objects.connected().exists()


def test_room_ended_closes_every_open_session(tokens, standup):
    send(
        tokens,
        joined(),
        joined(BOB_SID, "bob", "10:01:00"),
        event("room-ended", "10:10:00", RoomStatus="completed"),
    )

    twilio_room = TwilioRoom.objects.get()
    assert (twilio_room.status, twilio_room.is_live) == ("completed", False)
    assert twilio_room.ended_at.isoformat() == "2026-03-02T10:10:00+00:00"
    assert sorted(ParticipantSession.objects.values_list("duration", flat=True)) == [
        540,
        600,
    ]


def test_a_late_connect_in_an_ended_room_does_not_reopen_it(tokens, standup):
    send(
        tokens,
        event("room-ended", "10:10:00", RoomStatus="completed"),
        event("room-created", "09:59:00"),
        joined(),
    )

    assert TwilioRoom.objects.get().status == "completed"
    session = ParticipantSession.objects.get()
    assert session.disconnected_at.isoformat() == "2026-03-02T10:10:00+00:00"
    assert not ParticipantSession.objects.connected().exists()


def test_a_new_room_of_the_same_name_ends_the_old_one_whose_end_was_lost(
    tokens, standup
):
    send(
        tokens,
        joined(),
        event("room-created", "11:00:00", RoomSid=OTHER_ROOM_SID),
    )

    old, new = (TwilioRoom.objects.get(sid=s) for s in (ROOM_SID, OTHER_ROOM_SID))
    assert (old.status, new.status) == ("completed", "in-progress")
    assert not ParticipantSession.objects.connected().exists()


def test_events_of_a_deleted_room_keep_its_history(tokens, standup):
    send(tokens, joined())
    standup.delete()

    assert TwilioRoom.objects.get().room is None
    assert post(left(), token=tokens[0]).json() == {"status": "ignored"}


def test_a_connect_after_a_disconnect_without_duration_gives_the_duration(
    tokens, standup
):
    without_duration = left()
    del without_duration["ParticipantDuration"]

    send(tokens, without_duration, joined())

    session = ParticipantSession.objects.get()
    assert session.connected_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert session.duration == 300


def test_a_room_ended_twice_keeps_its_first_end(tokens, standup):
    ended = event("room-ended", "10:10:00", RoomStatus="completed")
    send(tokens, joined(), ended)

    send(tokens, {**ended, "Timestamp": "2026-03-02T10:20:00.000Z"})

    twilio_room = TwilioRoom.objects.get()
    assert twilio_room.ended_at.isoformat() == "2026-03-02T10:10:00+00:00"
    assert ParticipantSession.objects.get().duration == 600
