"""The Room page's "On Twilio" settings and "Create on Twilio now", against
the stand-in Twilio Video."""

import pytest

from tests.helpers import admin_url, html_of, twilio
from tokens.models import Room
from tokens.twilio.models import TwilioRoom

pytest_plugins = ["tests.standins.fixtures"]


@pytest.fixture
def on_standin(settings, twilio_video):
    settings.TWILIO_API_BASE_URL = twilio_video.origin
    twilio_video.credentials[twilio_video.api_key_sid] = twilio("TWILIO_API_SECRET")
    return twilio_video


@pytest.fixture
def rooms(db):
    return [
        Room.objects.create(name="algebra", max_participants=2),
        Room.objects.create(name="biology"),
    ]


def create_now(client, rooms):
    response = client.post(
        admin_url(Room, "changelist"),
        {
            "action": "create_on_twilio",
            "index": "0",
            "_selected_action": [room.pk for room in rooms],
        },
        follow=True,
    )
    html_of(response)  # the list again, with the messages: never a 500
    return [str(m) for m in response.context["messages"]]


def test_the_room_page_shows_the_twilio_settings_with_their_ranges(staff, room):
    html = html_of(staff.get(admin_url(Room, "change", room.pk)))

    assert "On Twilio" in html
    assert "maximum participant duration (seconds) 600 to 86400" in html
    assert "empty room timeout (minutes) 1 to 60" in html
    assert 'name="max_participants"' in html
    assert 'max="50"' in html


def test_create_on_twilio_now_makes_each_room_live_with_its_settings(
    staff, on_standin, rooms
):
    said = create_now(staff, rooms)

    assert said == [
        f"algebra: live on Twilio ({on_standin.room('algebra').sid}).",
        f"biology: live on Twilio ({on_standin.room('biology').sid}).",
    ]
    assert on_standin.room("algebra").settings["max_participants"] == 2
    assert TwilioRoom.objects.filter(status="in-progress").count() == 2


def test_a_room_already_live_is_reported_and_not_created_again(
    staff, on_standin, rooms
):
    create_now(staff, rooms[:1])

    said = create_now(staff, rooms[:1])

    assert said == [
        f"algebra: already live on Twilio ({on_standin.room('algebra').sid})."
    ]
    assert len(on_standin.state.rooms) == 1


def test_twilio_down_is_a_message_per_room_never_a_500(
    staff, on_standin, rooms, settings
):
    settings.TWILIO_REST_RETRIES = 0
    on_standin.faults.fail(503, seconds=60)

    said = create_now(staff, rooms)

    assert said == [
        "algebra: Twilio did not answer; try again shortly.",
        "Not tried (Twilio is down): biology.",
    ]
    assert not TwilioRoom.objects.exists()


def test_twilio_down_for_the_last_room_leaves_none_untried(
    staff, on_standin, rooms, settings
):
    settings.TWILIO_REST_RETRIES = 0
    on_standin.faults.fail(503, seconds=60)

    said = create_now(staff, rooms[1:])

    assert said == ["biology: Twilio did not answer; try again shortly."]


def test_a_twilio_refusal_names_its_status_and_code(staff, on_standin, rooms):
    on_standin.credentials[on_standin.api_key_sid] = "another-secret-0123456789"

    said = create_now(staff, rooms[:1])

    assert said == ["algebra: Twilio refused to create a room: status 401, code 20003."]


def test_an_inactive_room_is_not_created(staff, on_standin, rooms):
    Room.objects.filter(name="algebra").update(active=False)

    said = create_now(staff, rooms[:1])

    assert said == ["algebra: inactive, not created."]
    assert on_standin.requests == []


def test_without_rooms_enforced_nothing_is_created(
    staff, on_standin, rooms, rooms_not_enforced
):
    said = create_now(staff, rooms)

    assert len(said) == 1
    assert "not enforced" in said[0]
    assert on_standin.requests == []


def test_staff_who_may_only_view_rooms_cannot_create_them_on_twilio(
    staff_with, on_standin, rooms
):
    viewer = staff_with("view_room")
    page = html_of(viewer.get(admin_url(Room, "changelist")))
    assert 'value="create_on_twilio"' not in page

    viewer.post(
        admin_url(Room, "changelist"),
        {"action": "create_on_twilio", "index": "0", "_selected_action": [rooms[0].pk]},
    )

    assert on_standin.requests == []
    assert not TwilioRoom.objects.exists()


def test_without_an_api_key_staff_read_which_is_missing_never_a_500(
    staff, on_standin, rooms, settings
):
    settings.TWILIO = {**settings.TWILIO, "TWILIO_API_KEY": None}

    said = create_now(staff, rooms)

    assert said == [
        "Twilio is not configured (TWILIO_API_KEY not set): nothing was created."
    ]
    assert on_standin.requests == []
