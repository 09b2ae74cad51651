"""Staff end a live room and remove a participant, against the stand-in Twilio."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.helpers import twilio
from tests.standins.twilio_webhook_posts import event, joined, send
from tokens.admin.room_actions import record_staff_removal
from tokens.models import Eviction, ParticipantSession, Room

pytest_plugins = ["tests.standins.fixtures"]


@pytest.fixture
def standin(settings, twilio_video):
    """The project's REST client sends to the stand-in, with the test key."""
    settings.TWILIO_API_BASE_URL = twilio_video.origin
    settings.TWILIO_REST_RETRIES = 0
    settings.TWILIO_REST_TIMEOUT = 2
    twilio_video.credentials[twilio("TWILIO_API_KEY")] = twilio("TWILIO_API_SECRET")
    return twilio_video


@pytest.fixture
def live(standin, tokens, alice):
    """standup live on the stand-in with alice in it; the webhook told us so."""
    room = Room.objects.create(name="standup")
    participant = standin.join("standup", "alice")  # opens the room on the spot
    send(
        tokens,
        event("room-created", "09:59:00", RoomSid=participant.room_sid),
        joined(sid=participant.sid, RoomSid=participant.room_sid),
    )
    return room


def end_url(room):
    return reverse("admin:tokens_room_end", args=[room.pk])


def remove_url(room, session):
    return reverse("admin:tokens_room_remove", args=[room.pk, session.pk])


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def standin_status(standin) -> str:
    return standin.state.rooms[0].status


def alice_on_standin(standin) -> str:
    return standin.state.rooms[0].participants[0].status


def test_staff_confirm_then_end_the_room_on_twilio(staff, live, standin):
    page = staff.get(end_url(live))

    assert page.status_code == 200
    assert "1 participant(s) connected now" in page.content.decode()
    assert standin_status(standin) == "in-progress"  # a GET only asks

    response = staff.post(end_url(live))

    assert response.status_code == 302
    assert standin_status(standin) == "completed"
    assert said(response)[0][0] == "success"
    assert LogEntry.objects.filter(change_message__startswith="Ended Twilio room")


def test_ending_a_room_not_live_says_so_and_calls_nobody(staff, standin, standup):
    response = staff.post(end_url(standup))

    assert said(response) == [
        ("warning", "standup is not live on Twilio: nothing to end.")
    ]
    assert standin.requests == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_who_may_not_change_rooms_cannot_end_one(
    staff_with, live, standin, method
):
    client = staff_with("view_room", "view_twilioroom", "view_participantsession")

    response = getattr(client, method)(end_url(live))

    assert response.status_code == 403
    assert standin_status(standin) == "in-progress"


def test_ending_without_the_csrf_token_is_refused(root, live, standin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(root)

    response = client.post(end_url(live))

    assert response.status_code == 403
    assert standin_status(standin) == "in-progress"


def test_when_twilio_fails_ending_says_so_and_changes_nothing(staff, live, standin):
    standin.faults.fail(503, count=5)

    response = staff.post(end_url(live))

    assert response.status_code == 302
    assert said(response) == [
        (
            "error",
            "Twilio did not answer in time: nothing was changed. Try again shortly.",
        )
    ]
    standin.faults.clear()
    assert standin_status(standin) == "in-progress"
    assert not LogEntry.objects.exists()


def test_without_twilio_credentials_staff_read_which_are_missing(
    staff, live, standin, settings
):
    settings.TWILIO = {**settings.TWILIO, "TWILIO_API_KEY": None}

    response = staff.post(end_url(live), follow=True)

    page = response.content.decode()
    assert "Twilio is not configured (TWILIO_API_KEY not set)" in page
    assert twilio("TWILIO_API_SECRET") not in page
    assert standin.requests == []
    assert standin_status(standin) == "in-progress"


def test_staff_remove_a_participant_and_the_eviction_is_recorded(
    staff, root, live, standin
):
    session = ParticipantSession.objects.get()
    page = staff.get(remove_url(live, session))
    assert "Remove alice from standup?" in page.content.decode()
    assert not Eviction.objects.exists()

    response = staff.post(remove_url(live, session))

    assert alice_on_standin(standin) == "disconnected"
    eviction = Eviction.objects.get()
    assert (eviction.session, eviction.reason) == (session, "staff")
    assert eviction.staff_user == root
    assert eviction.removed_at is not None
    assert said(response)[0] == (
        "success",
        "Twilio disconnected alice from standup; the removal is in the evictions log.",
    )


def test_removing_someone_already_removed_calls_twilio_no_more(staff, live, standin):
    session = ParticipantSession.objects.get()
    staff.post(remove_url(live, session), follow=True)  # its message read
    calls = len(standin.requests)

    response = staff.post(remove_url(live, session))

    assert said(response) == [("warning", "alice is no longer connected.")]
    assert len(standin.requests) == calls
    assert Eviction.objects.count() == 1


@pytest.mark.parametrize(
    "permissions",
    [
        ("view_room", "view_participantsession"),  # may not change the room
        ("view_room", "change_room"),  # may not see who is connected
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_both_permissions_cannot_remove_a_participant(
    staff_with, live, standin, permissions, method
):
    session = ParticipantSession.objects.get()

    response = getattr(staff_with(*permissions), method)(remove_url(live, session))

    assert response.status_code == 403
    assert alice_on_standin(standin) == "connected"
    assert not Eviction.objects.exists()


def test_when_twilio_fails_removal_says_so_and_writes_nothing(staff, live, standin):
    standin.faults.hang(count=1)
    session = ParticipantSession.objects.get()

    response = staff.post(remove_url(live, session))

    assert said(response)[0][0] == "error"
    assert alice_on_standin(standin) == "connected"
    assert not Eviction.objects.exists()


def test_a_participant_twilio_does_not_know_is_not_recorded(
    staff, live, standin, tokens
):
    room_sid = standin.room("standup").sid
    send(tokens, joined(sid="PA" + "9" * 32, identity="ghost", RoomSid=room_sid))
    ghost = ParticipantSession.objects.get(identity="ghost")

    response = staff.post(remove_url(live, ghost))

    assert said(response) == [
        (
            "warning",
            f"Twilio has no participant {ghost.participant_sid} in this room "
            "(they may have just left): nothing was written.",
        )
    ]
    assert not Eviction.objects.exists()


def test_a_session_of_another_room_is_not_found(staff, live, standin):
    other = Room.objects.create(name="other")
    session = ParticipantSession.objects.get()

    response = staff.post(remove_url(other, session))

    assert response.status_code == 404
    assert alice_on_standin(standin) == "connected"


def test_a_staff_removal_completes_the_workers_pending_eviction(live, root, standin):
    session = ParticipantSession.objects.get()
    now = timezone.now()
    Eviction.objects.create(
        session=session,
        reason=Eviction.WINDOW_ENDED,
        access_ended_at=now,
        decided_at=now,
        attempts=2,
        last_error="twilio_unavailable",
    )

    eviction = record_staff_removal(session, staff=root, now=now)

    assert (eviction.reason, eviction.removed_at, eviction.attempts) == (
        Eviction.WINDOW_ENDED,
        now,
        3,
    )
    assert (eviction.staff_user, eviction.last_error) == (root, "")


def test_when_twilio_refuses_ending_says_why_and_changes_nothing(staff, live, standin):
    standin.credentials[twilio("TWILIO_API_KEY")] = "another secret"  # key rotated

    response = staff.post(end_url(live))

    assert said(response) == [
        ("error", "Twilio refused (status 401, error 20003): nothing was changed.")
    ]
    assert standin_status(standin) == "in-progress"
    assert not LogEntry.objects.exists()


def test_ending_a_room_twilio_no_longer_knows_says_so(staff, standin, standup, tokens):
    unknown = "RM" + "8" * 32  # recorded by a callback; gone from Twilio since
    send(tokens, event("room-created", RoomSid=unknown))

    response = staff.post(end_url(standup))

    assert said(response) == [
        ("warning", f"Twilio knows no room {unknown}: nothing ended.")
    ]
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("object_id", ["1x", "%C2%B2", "-1"])
def test_a_room_id_that_is_not_a_number_is_not_found(staff, live, standin, object_id):
    response = staff.post(f"/admin/tokens/room/{object_id}/twilio/end/")

    assert response.status_code == 404
    assert standin_status(standin) == "in-progress"
