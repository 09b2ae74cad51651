"""The stand-in Twilio's own signed callbacks, delivered to the live app.

The stand-in signs for the public URL (https://tokens.example.com) and
`sender.route` delivers to the live test server on loopback, as a
TLS-terminating proxy would.
"""

import pytest

from tests.standins.twilio_video import (
    ACCOUNT_SID,
    API_KEY_SID,
    API_SECRET,
    AUTH_TOKEN,
)
from tokens.credentials import TwilioCredentials
from tokens.models import ParticipantSession, Room, TwilioRoom, User
from tokens.twilio import rest
from tokens.twilio.conf import RestOptions

pytest_plugins = ["tests.standins.fixtures"]

PUBLIC = "https://tokens.example.com"
CALLBACK = PUBLIC + "/webhooks/twilio/video"


@pytest.fixture
def wired(settings, live_server, twilio_video):
    """The app takes the stand-in's signatures; its callbacks reach the app."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_AUTH_TOKEN_SECONDARY = ""
    settings.TOKENSERVER_PUBLIC_URL = PUBLIC
    twilio_video.sender.route = {PUBLIC: live_server.url}
    credentials = TwilioCredentials(
        account_sid=ACCOUNT_SID, api_key=API_KEY_SID, api_secret=API_SECRET
    )
    options = RestOptions(base_url=twilio_video.origin, timeout=2, retries=0)
    return rest.make_client(credentials, options)


def create(client, name="standup"):
    return rest.create_room(
        client, name=name, settings=rest.RoomSettings(), status_callback=CALLBACK
    )


def statuses(twilio_video) -> list[tuple[str, int | None]]:
    return [(d.event, d.status) for d in twilio_video.callbacks]


def test_a_room_and_its_participants_are_followed_from_callbacks(wired, twilio_video):
    Room.objects.create(name="standup")
    alice = User.objects.create_user("alice")
    room = create(wired)
    twilio_video.join("standup", "alice")
    twilio_video.join("standup", "mallory")
    twilio_video.leave("standup", "mallory")

    assert statuses(twilio_video) == [
        ("room-created", 200),
        ("participant-connected", 200),
        ("participant-connected", 200),
        ("participant-disconnected", 200),
    ]
    twilio_room = TwilioRoom.objects.get()
    assert (twilio_room.sid, twilio_room.status) == (room.sid, "in-progress")
    connected = ParticipantSession.objects.connected().get()
    assert (connected.identity, connected.user) == ("alice", alice)
    past = ParticipantSession.objects.get(identity="mallory")
    assert past.user is None
    assert past.disconnected_at is not None


def test_ending_the_room_through_rest_closes_every_session(wired, twilio_video):
    Room.objects.create(name="standup")
    room = create(wired)
    twilio_video.join("standup", "alice")
    twilio_video.advance(60)

    rest.complete_room(wired, room.sid)
    twilio_video.flush()

    assert TwilioRoom.objects.get().status == "completed"
    session = ParticipantSession.objects.get()
    assert session.duration == 60
    assert not ParticipantSession.objects.connected().exists()


def test_a_replayed_callback_changes_nothing(wired, twilio_video):
    Room.objects.create(name="standup")
    create(wired)
    twilio_video.join("standup", "alice")
    twilio_video.leave("standup", "alice")
    before = list(ParticipantSession.objects.values())

    for delivery in list(twilio_video.callbacks):
        twilio_video.sender.resend(delivery)
    twilio_video.flush()

    assert all(d.status == 200 for d in twilio_video.callbacks)
    assert list(ParticipantSession.objects.values()) == before
    assert TwilioRoom.objects.count() == 1


def test_a_room_this_server_does_not_manage_is_ignored(wired, twilio_video):
    create(wired, name="not-ours")
    twilio_video.join("not-ours", "alice")

    assert statuses(twilio_video) == [
        ("room-created", 200),
        ("participant-connected", 200),
    ]
    assert not TwilioRoom.objects.exists()


def test_callbacks_signed_with_another_auth_token_are_refused(
    wired, twilio_video, settings
):
    settings.TWILIO_AUTH_TOKEN = "the-rotated-away-old-token"
    Room.objects.create(name="standup")
    create(wired)
    twilio_video.flush()

    assert statuses(twilio_video) == [("room-created", 403)]
    assert not TwilioRoom.objects.exists()
