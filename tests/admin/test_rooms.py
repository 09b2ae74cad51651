"""Staff see managed rooms and who is connected now, read-only."""

import pytest

from tests.helpers import admin_url, html_of
from tests.standins.twilio_webhook_posts import event, joined, left, send
from tokens.models import ParticipantSession, Room, TwilioRoom


@pytest.fixture
def live_standup(db, tokens, alice):
    """alice connected to standup, as Twilio's signed callbacks said."""
    Room.objects.create(name="standup")
    send(tokens, event("room-created", "09:59:00"), joined())
    return ParticipantSession.objects.get()


def test_staff_see_who_is_connected_now(admin_client, live_standup):
    url = admin_url(ParticipantSession, "changelist")

    html = html_of(admin_client.get(url, {"connected": "yes"}))

    assert "alice" in html
    assert "standup" in html


def test_a_participant_who_left_is_not_listed_as_connected_now(
    admin_client, live_standup, tokens
):
    send(tokens, left())
    url = admin_url(ParticipantSession, "changelist")

    now = html_of(admin_client.get(url, {"connected": "yes"}))
    past = html_of(admin_client.get(url, {"connected": "no"}))

    assert "0 participant sessions" in now
    assert "alice" in past


def test_the_room_page_lists_its_sessions(admin_client, live_standup):
    room = TwilioRoom.objects.get()

    html = html_of(admin_client.get(admin_url(TwilioRoom, "change", room.pk)))

    assert "alice" in html
    assert 'name="_save"' not in html


@pytest.mark.parametrize("model", [TwilioRoom, ParticipantSession])
def test_rooms_on_twilio_cannot_be_added_changed_or_deleted(
    admin_client, live_standup, model
):
    obj = model.objects.get()

    add = admin_client.post(admin_url(model, "add"), {})
    delete = admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert add.status_code == 403
    assert delete.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_staff_without_permission_cannot_see_who_is_connected(staff_with, live_standup):
    client = staff_with("view_user")

    response = client.get(admin_url(ParticipantSession, "changelist"))

    assert response.status_code == 403
    assert b"alice" not in response.content


def test_the_session_list_without_a_filter_shows_past_sessions_too(
    admin_client, live_standup, tokens
):
    send(tokens, left())
    url = admin_url(ParticipantSession, "changelist")

    html = html_of(admin_client.get(url))

    assert "1 participant session" in html
    assert "alice" in html


@pytest.mark.parametrize("value", ["abc", "999999", "%C2%B2"])
def test_a_room_filter_naming_no_room_lists_no_session_not_all(
    admin_client, live_standup, value
):
    url = admin_url(ParticipantSession, "changelist")

    html = html_of(admin_client.get(f"{url}?room={value}"))

    assert "0 participant sessions" in html
    assert "alice" not in html


def test_the_room_filter_lists_that_rooms_sessions_only(
    admin_client, live_standup, tokens
):
    Room.objects.create(name="other")
    send(tokens, event("room-created", RoomSid="RM" + "5" * 32, RoomName="other"))
    send(tokens, joined(sid="PA" + "5" * 32, identity="bob", RoomSid="RM" + "5" * 32))
    url = admin_url(ParticipantSession, "changelist")

    html = html_of(admin_client.get(url, {"room": live_standup.twilio_room.room_id}))

    assert "alice" in html
    assert "bob" not in html
