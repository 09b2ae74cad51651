"""tokens/twilio/reconcile.py against the stand-in Twilio Video: no mocks.

Rows recorded as live that Twilio no longer lists are closed (their
callbacks were lost); a Twilio that fails while listing leaves every row
as it was.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.standins.twilio_video import ACCOUNT_SID, API_KEY_SID, API_SECRET
from tests.standins.twilio_video_state import default_settings
from tokens.credentials import TwilioCredentials
from tokens.errors import TwilioUnavailable
from tokens.models import ParticipantSession, Room, TwilioRoom
from tokens.twilio import rest
from tokens.twilio.conf import RestOptions
from tokens.twilio.reconcile import reconcile

pytest_plugins = ["tests.standins.fixtures"]

HOUR = timedelta(hours=1)


@pytest.fixture
def math(db):
    return Room.objects.create(name="math")


@pytest.fixture
def client(twilio_video):
    """The app's REST client on the stand-in, without retries."""
    credentials = TwilioCredentials(
        account_sid=ACCOUNT_SID, api_key=API_KEY_SID, api_secret=API_SECRET
    )
    options = RestOptions(base_url=twilio_video.origin, timeout=2, retries=0)
    return rest.make_client(credentials, options)


def recorded_room(math, sid, *, ago=HOUR) -> TwilioRoom:
    """A room row left in progress: its room-ended callback never came."""
    since = timezone.now() - ago
    return TwilioRoom.objects.create(
        sid=sid, room=math, unique_name="math", status_since=since, created_at=since
    )


def recorded_session(room, sid, identity, *, ago=HOUR) -> ParticipantSession:
    """A session left connected: its participant-disconnected callback was lost."""
    connected_at = None if ago is None else timezone.now() - ago
    return ParticipantSession.objects.create(
        twilio_room=room,
        participant_sid=sid,
        identity=identity,
        connected_at=connected_at,
    )


def test_a_room_twilio_no_longer_lists_is_ended_with_its_sessions(
    twilio_video, client, math
):
    gone = recorded_room(math, "RM" + "1" * 32)
    alice = recorded_session(gone, "PA" + "1" * 32, "alice")
    now = timezone.now()

    done = reconcile(client, now=now)

    gone.refresh_from_db()
    alice.refresh_from_db()
    assert (gone.status, gone.status_since, gone.ended_at) == ("completed", now, now)
    assert alice.disconnected_at == now
    assert alice.duration == pytest.approx(3600, abs=2)
    assert (done.rooms, done.added, done.closed) == (0, 0, 1)


def test_a_new_live_room_of_the_name_ends_the_one_recorded_before(
    twilio_video, client, math
):
    old = recorded_room(math, "RM" + "1" * 32, ago=timedelta(seconds=1))
    bob = recorded_session(old, "PA" + "1" * 32, "bob", ago=None)
    live = twilio_video.state.create_room(default_settings(), unique_name="math")
    now = timezone.now()

    done = reconcile(client, now=now)

    old.refresh_from_db()
    bob.refresh_from_db()
    assert old.status == "completed"
    assert bob.disconnected_at == now
    assert bob.duration is None  # its start was never known
    assert TwilioRoom.objects.get(status="in-progress").sid == live.sid
    assert (done.rooms, done.added) == (1, 0)


def test_a_participant_twilio_no_longer_lists_is_disconnected(
    twilio_video, client, math
):
    live = twilio_video.state.create_room(default_settings(), unique_name="math")
    room = recorded_room(math, live.sid)
    carol = twilio_video.join("math", "carol")
    left = recorded_session(room, "PA" + "2" * 32, "dave")
    now = timezone.now()

    done = reconcile(client, now=now)

    left.refresh_from_db()
    assert left.disconnected_at == now
    assert ParticipantSession.objects.connected().get().participant_sid == carol.sid
    assert (done.rooms, done.added, done.closed) == (1, 1, 1)


def test_a_participant_who_joined_while_listing_is_left_for_the_next_pass(
    twilio_video, client, math
):
    live = twilio_video.state.create_room(default_settings(), unique_name="math")
    room = recorded_room(math, live.sid)
    # its callback came just now, after Twilio's list was read
    just = recorded_session(room, "PA" + "3" * 32, "erin", ago=timedelta(0))

    assert reconcile(client, now=timezone.now()).closed == 0

    just.refresh_from_db()
    assert just.disconnected_at is None


@pytest.mark.parametrize("fails", ["/v1/Rooms/RM", "/v1/Rooms"])
def test_a_twilio_failing_while_listing_writes_nothing(
    twilio_video, client, math, fails
):
    gone = recorded_room(math, "RM" + "1" * 32)
    twilio_video.state.create_room(default_settings(), unique_name="math")
    twilio_video.join("math", "carol")
    twilio_video.faults.fail(503, count=10, path=fails)  # the participants, or all

    with pytest.raises(TwilioUnavailable):
        reconcile(client, now=timezone.now())

    gone.refresh_from_db()
    assert gone.status == "in-progress"
    assert TwilioRoom.objects.count() == 1
    assert not ParticipantSession.objects.exists()
