"""The stand-in Twilio Video API, driven by twilio-python's own REST client.

What the rooms feature will rely on: rooms, 53113, lookups by SID and unique
name, participants, ending rooms and participants, timeouts, and the signed
status callbacks a real room sends.
"""

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from tests.standins.twilio_video import AUTH_TOKEN
from tests.standins.twilio_video_state import TwilioError

pytest_plugins = ["tests.standins.fixtures"]


def _signed_by_twilio(received, url: str) -> bool:
    signature = received.headers["X-Twilio-Signature"]
    return RequestValidator(AUTH_TOKEN).validate(url, received.form, signature)


def test_created_room_has_the_fields_twilio_returns(twilio_video, twilio_client):
    room = twilio_client.video.v1.rooms.create(
        unique_name="standup",
        type="group",
        max_participants=6,
        max_participant_duration=3600,
        empty_room_timeout=1,
        unused_room_timeout=2,
        record_participants_on_connect=False,
        status_callback="https://tokens.example.com/webhooks/twilio/video",
        status_callback_method="POST",
    )
    assert room.sid.startswith("RM")
    assert len(room.sid) == 34
    assert room.status == "in-progress"
    assert room.account_sid == twilio_video.account_sid
    assert (room.unique_name, room.type, room.max_participants) == (
        "standup",
        "group",
        6,
    )
    assert (room.empty_room_timeout, room.unused_room_timeout) == (1, 2)
    assert room.max_participant_duration == 3600
    assert room.status_callback.startswith("https://tokens.example.com/")
    assert room.url == f"{twilio_video.origin}/v1/Rooms/{room.sid}"
    assert room.links["participants"].endswith(f"/Rooms/{room.sid}/Participants")
    assert room.end_time is None
    assert room.duration is None
    form = twilio_video.requests[-1].form
    assert form["UniqueName"] == ["standup"]
    assert form["Type"] == ["group"]


def test_second_in_progress_room_with_the_name_is_53113(twilio_client):
    rooms = twilio_client.video.v1.rooms
    first = rooms.create(unique_name="standup")
    with pytest.raises(TwilioRestException) as refused:
        rooms.create(unique_name="standup")
    assert (refused.value.status, refused.value.code) == (400, 53113)
    rooms(first.sid).update(status="completed")
    assert rooms.create(unique_name="standup").sid != first.sid


def test_unique_name_finds_only_the_in_progress_room(twilio_client):
    rooms = twilio_client.video.v1.rooms
    room = rooms.create(unique_name="standup")
    assert rooms("standup").fetch().sid == room.sid
    rooms("standup").update(status="completed")
    with pytest.raises(TwilioRestException) as missing:
        rooms("standup").fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    ended = rooms(room.sid).fetch()
    assert ended.status == "completed"
    assert ended.duration is not None


def test_rooms_are_listed_by_status_and_unique_name_across_pages(twilio_client):
    rooms = twilio_client.video.v1.rooms
    for name in ("a", "b", "c"):
        rooms.create(unique_name=name)
    rooms("b").update(status="completed")
    listed = rooms.list(status="in-progress", page_size=1)
    assert sorted(r.unique_name for r in listed) == ["a", "c"]
    assert [r.status for r in rooms.list(unique_name="b")] == ["completed"]
    assert len(rooms.list(page_size=2)) == 3


def test_participants_are_found_by_sid_identity_and_status(twilio_video, twilio_client):
    twilio_client.video.v1.rooms.create(unique_name="class")
    alice = twilio_video.join("class", "alice")
    twilio_video.join("class", "bob")
    participants = twilio_client.video.v1.rooms("class").participants
    assert sorted(p.identity for p in participants.list()) == ["alice", "bob"]
    assert [p.sid for p in participants.list(identity="alice")] == [alice.sid]
    fetched = participants(alice.sid).fetch()
    assert (fetched.identity, fetched.status, fetched.duration) == (
        "alice",
        "connected",
        None,
    )
    assert participants("alice").fetch().sid == alice.sid
    twilio_video.leave("class", "bob")
    assert [p.identity for p in participants.list(status="disconnected")] == ["bob"]


def test_disconnecting_a_participant_sends_a_signed_callback(
    twilio_video, twilio_client, callback_receiver
):
    url = callback_receiver.url()
    room = twilio_client.video.v1.rooms.create(unique_name="class", status_callback=url)
    twilio_video.join("class", "alice")
    updated = (
        twilio_client.video.v1.rooms("class")
        .participants("alice")
        .update(status="disconnected")
    )
    assert updated.status == "disconnected"
    assert updated.duration is not None
    twilio_video.flush()
    events = [r.form["StatusCallbackEvent"] for r in callback_receiver.received]
    assert events == [
        "room-created",
        "participant-connected",
        "participant-disconnected",
    ]
    gone = callback_receiver.received[-1]
    assert gone.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert gone.form["RoomSid"] == room.sid
    assert gone.form["RoomName"] == "class"
    assert gone.form["ParticipantSid"] == updated.sid
    assert gone.form["ParticipantIdentity"] == "alice"
    assert gone.form["ParticipantStatus"] == "disconnected"
    assert gone.form["ParticipantDuration"] == "0"
    assert gone.form["AccountSid"] == twilio_video.account_sid
    assert [r.form["SequenceNumber"] for r in callback_receiver.received] == [
        "0",
        "1",
        "2",
    ]
    assert all(_signed_by_twilio(r, url) for r in callback_receiver.received)


def test_completing_a_room_disconnects_everyone_then_ends_it(
    twilio_video, twilio_client, callback_receiver
):
    url = callback_receiver.url()
    twilio_client.video.v1.rooms.create(unique_name="class", status_callback=url)
    twilio_video.join("class", "alice")
    twilio_video.join("class", "bob")
    ended = twilio_client.video.v1.rooms("class").update(status="completed")
    assert ended.status == "completed"
    twilio_video.flush()
    last = [r.form for r in callback_receiver.received[-3:]]
    assert [f["StatusCallbackEvent"] for f in last] == [
        "participant-disconnected",
        "participant-disconnected",
        "room-ended",
    ]
    assert last[-1]["RoomStatus"] == "completed"
    assert "RoomDuration" in last[-1]
    left = twilio_client.video.v1.rooms(ended.sid).participants.list()
    assert sorted(p.status for p in left) == ["disconnected", "disconnected"]
    with pytest.raises(TwilioRestException) as again:
        twilio_client.video.v1.rooms(ended.sid).update(status="completed")
    assert again.value.code == 53112


def test_callbacks_are_signed_for_the_public_url_and_sent_to_loopback(
    twilio_video, twilio_client, callback_receiver
):
    public = "https://tokens.example.com/webhooks/twilio/video"
    twilio_video.sender.route["https://tokens.example.com"] = callback_receiver.origin
    twilio_client.video.v1.rooms.create(unique_name="class", status_callback=public)
    twilio_video.flush()
    (created,) = callback_receiver.received
    assert created.path == "/webhooks/twilio/video"
    assert _signed_by_twilio(created, public)
    assert not _signed_by_twilio(created, callback_receiver.url())


def test_a_callback_url_off_loopback_is_never_called(twilio_video, twilio_client):
    twilio_client.video.v1.rooms.create(
        unique_name="class", status_callback="https://tokens.example.com/hook"
    )
    twilio_video.flush()
    assert twilio_video.callbacks[0].error.startswith("not sent")


def test_lost_and_replayed_callbacks(twilio_video, twilio_client, callback_receiver):
    url = callback_receiver.url()
    twilio_client.video.v1.rooms.create(unique_name="class", status_callback=url)
    twilio_video.sender.drop_next()
    twilio_video.join("class", "alice")
    assert twilio_video.callbacks[-1].dropped
    assert [r.form["StatusCallbackEvent"] for r in callback_receiver.received] == [
        "room-created"
    ]
    twilio_video.sender.resend(twilio_video.callbacks[0])
    twilio_video.flush()
    first, replayed = callback_receiver.received
    assert first.form == replayed.form
    assert first.headers["X-Twilio-Signature"] == replayed.headers["X-Twilio-Signature"]


def test_get_callbacks_are_signed_over_the_whole_url(
    twilio_video, twilio_client, callback_receiver
):
    url = callback_receiver.url()
    twilio_client.video.v1.rooms.create(
        unique_name="class", status_callback=url, status_callback_method="GET"
    )
    twilio_video.flush()
    (created,) = callback_receiver.received
    full = callback_receiver.origin + created.path
    signature = created.headers["X-Twilio-Signature"]
    assert created.method == "GET"
    assert created.form["RoomName"] == "class"
    assert RequestValidator(AUTH_TOKEN).validate(full, {}, signature)


def test_time_ends_connections_and_rooms(twilio_video, twilio_client):
    twilio_client.video.v1.rooms.create(
        unique_name="class", max_participant_duration=600, empty_room_timeout=1
    )
    alice = twilio_video.join("class", "alice")
    twilio_video.advance(599)
    assert alice.status == "connected"
    twilio_video.advance(1)
    assert (alice.status, alice.duration()) == ("disconnected", 600)
    room = twilio_video.room(alice.room_sid)
    assert room.status == "in-progress"
    twilio_video.advance(60)
    assert room.status == "completed"
    unused = twilio_client.video.v1.rooms.create(unique_name="nobody")
    twilio_video.advance(5 * 60)
    assert twilio_client.video.v1.rooms(unused.sid).fetch().status == "completed"


def test_clients_connecting(twilio_video, twilio_client):
    twilio_client.video.v1.rooms.create(unique_name="pair", type="go")
    first = twilio_video.join("pair", "alice")
    second = twilio_video.join("pair", "alice")  # 53205: the newer one stays
    assert (first.status, second.status) == ("disconnected", "connected")
    twilio_video.join("pair", "bob")
    with pytest.raises(TwilioError) as full:
        twilio_video.join("pair", "carol")
    assert full.value.code == 53105
    ad_hoc = twilio_video.join("never-created", "dave")
    assert twilio_client.video.v1.rooms("never-created").fetch().sid == ad_hoc.room_sid
