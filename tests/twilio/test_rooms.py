"""Server-created rooms (tokens/twilio/rooms.py, tokens/issuing/live_room.py)
against the stand-in Twilio Video: /token creates a managed room once, with
the Room's settings, adopts one in progress, never asks Twilio about a room
known in progress, and answers 503 twilio_unavailable when Twilio fails."""

import logging
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import decode
from tests.helpers import twilio
from tests.standins.twilio_webhook_posts import event, send
from tokens.models import GrantRule, Room, RoomAccess, TokenEvent
from tokens.twilio import rest
from tokens.twilio.models import TwilioRoom
from tokens.twilio.rooms import ensure_live, record_live

pytest_plugins = ["tests.standins.fixtures"]

CALLBACK = "https://tokens.example.com/webhooks/twilio/video"
SECRET = twilio("TWILIO_API_SECRET")


@pytest.fixture
def on_standin(settings, twilio_video):
    """The project's REST client sends to the stand-in, which knows the test
    API key's secret (the same account and key SIDs)."""
    settings.TWILIO_API_BASE_URL = twilio_video.origin
    twilio_video.api_secret = SECRET
    twilio_video.credentials[twilio_video.api_key_sid] = SECRET
    return twilio_video


@pytest.fixture
def tutoring(alice):
    """A managed room with every Twilio setting fixed, alice in it now."""
    room = Room.objects.create(
        name="tutoring",
        max_participants=2,
        max_participant_duration=3600,
        empty_room_timeout=5,
        unused_room_timeout=10,
        record_participants_on_connect=True,
    )
    RoomAccess.objects.create(
        room=room, user=alice, ends_at=timezone.now() + timedelta(hours=1)
    )
    return room


@pytest.fixture
def alice_api(alice, client_for):
    return client_for(alice)


def creates(standin) -> list:
    return [r for r in standin.requests if r.method == "POST" and r.path == "/v1/Rooms"]


def test_a_token_for_a_managed_room_creates_it_once_with_its_settings(
    on_standin, tutoring, alice_api
):
    first = alice_api.get("/token", {"room": "tutoring"})
    second = alice_api.get("/token", {"room": "tutoring"})

    assert first.status_code == second.status_code == 200, first.content
    assert decode(first.json()["token"])[1]["grants"]["video"] == {"room": "tutoring"}
    assert len(creates(on_standin)) == 1
    created = on_standin.room("tutoring")
    assert (
        created.settings
        | {
            "type": "group",
            "max_participants": 2,
            "max_participant_duration": 3600,
            "empty_room_timeout": 5,
            "unused_room_timeout": 10,
            "record_participants_on_connect": True,
            "status_callback": CALLBACK,
        }
        == created.settings
    )
    live = TwilioRoom.objects.get()
    assert (live.sid, live.room, live.status) == (created.sid, tutoring, "in-progress")
    assert live.created_at is not None


def test_a_room_already_in_progress_on_twilio_is_adopted(
    on_standin, twilio_client, tutoring, alice_api
):
    existing = twilio_client.video.v1.rooms.create(unique_name="tutoring")

    response = alice_api.get("/token", {"room": "tutoring"})

    assert response.status_code == 200, response.content
    assert len(on_standin.state.rooms) == 1
    assert TwilioRoom.objects.get().sid == existing.sid


def test_a_room_known_in_progress_is_never_asked_of_twilio(
    on_standin, tutoring, alice_api, django_assert_max_num_queries
):
    TwilioRoom.objects.create(
        sid="RM" + "0" * 32,
        room=tutoring,
        unique_name="tutoring",
        status_since=timezone.now(),
    )
    on_standin.faults.fail(503, seconds=60)  # any call would fail the token

    # As many queries as a /token of a room that is not enforced.
    with django_assert_max_num_queries(3):
        response = alice_api.get("/token", {"room": "tutoring"})

    assert response.status_code == 200, response.content
    assert on_standin.requests == []


def test_twilio_failing_is_503_twilio_unavailable_recorded_and_no_token(
    on_standin, tutoring, alice_api, caplog
):
    on_standin.faults.fail(503, seconds=60, retry_after=2)

    response = alice_api.get("/token", {"room": "tutoring"})

    assert response.status_code == 503
    assert response.json()["code"] == "twilio_unavailable"
    assert response["Retry-After"] == "2"
    event = TokenEvent.objects.get()
    assert (event.outcome, event.room, event.jwt_sha256) == (
        "twilio_unavailable",
        "tutoring",
        "",
    )
    assert not TwilioRoom.objects.exists()
    assert SECRET not in caplog.text


def test_a_twilio_that_hangs_answers_within_the_create_wait(
    on_standin, tutoring, alice_api, settings
):
    settings.TWILIO_ROOM_CREATE_WAIT = 0.5
    on_standin.faults.hang(seconds=60)
    started = time.monotonic()

    response = alice_api.get("/token", {"room": "tutoring"})

    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["code"] == "twilio_unavailable"
    assert int(response["Retry-After"]) >= 1


def test_a_twilio_refusal_is_503_and_logged_by_its_code_never_the_secret(
    on_standin, tutoring, alice_api, settings, caplog
):
    wrong = "a-wrong-api-secret-0123456789"
    settings.TWILIO = {
        **settings.TWILIO,
        "TWILIO_API_SECRET": ("TWILIO_API_SECRET", wrong),
    }

    response = alice_api.get("/token", {"room": "tutoring"})

    assert response.status_code == 503
    assert response.json()["code"] == "twilio_unavailable"
    assert "status 401" in caplog.text
    assert wrong not in caplog.text
    assert TokenEvent.objects.get().outcome == "twilio_unavailable"


def test_rooms_not_enforced_ask_nothing_of_twilio(
    on_standin, tutoring, alice_api, rooms_not_enforced
):
    on_standin.faults.fail(503, seconds=60)

    response = alice_api.get("/token", {"room": "tutoring"})

    assert response.status_code == 200, response.content
    assert ensure_live(tutoring) is None
    assert on_standin.requests == []
    assert not TwilioRoom.objects.exists()


def test_rooms_not_in_the_admin_are_left_to_twilio(on_standin, root, client_for):
    on_standin.faults.fail(503, seconds=60)

    response = client_for(root).get("/token", {"room": "anywhere"})

    assert response.status_code == 200, response.content
    assert on_standin.requests == []


def test_a_refused_room_asks_nothing_of_twilio(on_standin, tutoring, bob, client_for):
    GrantRule.objects.create(user=bob, video="listed")

    response = client_for(bob).get("/token", {"room": "tutoring"})

    assert response.json()["code"] == "room_not_permitted"
    assert on_standin.requests == []


# --- ensure_live and the callbacks' rows ------------------------------------------


def test_ensure_live_after_a_room_created_callback_finds_that_room(
    on_standin, twilio_client, tutoring, tokens
):
    made = twilio_client.video.v1.rooms.create(unique_name="tutoring")
    send(tokens, event("room-created", RoomSid=made.sid, RoomName="tutoring"))
    calls = len(on_standin.requests)

    live = ensure_live(tutoring)

    assert live == TwilioRoom.objects.get()
    assert live.sid == made.sid
    assert len(on_standin.requests) == calls


def test_a_room_created_callback_after_ensure_live_adds_no_row(
    on_standin, tutoring, tokens
):
    live = ensure_live(tutoring)

    send(tokens, event("room-created", RoomSid=live.sid, RoomName="tutoring"))

    assert TwilioRoom.objects.get() == live
    assert TwilioRoom.objects.get().created_at == live.created_at


def test_recording_a_room_twice_keeps_one_row_and_ends_a_stale_one(tutoring):
    now = timezone.now()
    stale = TwilioRoom.objects.create(
        sid="RM" + "1" * 32, room=tutoring, unique_name="tutoring", status_since=now
    )
    info = rest.RoomInfo(
        sid="RM" + "2" * 32,
        unique_name="tutoring",
        status="in-progress",
        date_created=now,
        max_participant_duration=None,
    )

    first = record_live(tutoring, info, now=now)
    again = record_live(tutoring, info, now=now)

    assert first == again
    assert TwilioRoom.objects.filter(status="in-progress").get() == first
    stale.refresh_from_db()
    assert (stale.status, stale.ended_at) == ("completed", now)


def test_ensure_live_of_a_room_ended_on_twilio_creates_a_new_one(on_standin, tutoring):
    first = ensure_live(tutoring)
    rest.complete_room(on_standin.client(), first.sid)
    TwilioRoom.objects.filter(pk=first.pk).update(status="completed")

    second = ensure_live(tutoring)

    assert second.sid != first.sid
    assert len(creates(on_standin)) == 2


def test_twilio_logs_name_no_secret(on_standin, tutoring, caplog):
    caplog.set_level(logging.DEBUG)

    ensure_live(tutoring)

    assert SECRET not in caplog.text
