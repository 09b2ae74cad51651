"""The room page shows its Twilio state; the user page the rooms they are in."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from tests.helpers import admin_url, html_of
from tests.standins.twilio_webhook_posts import event, joined, left, send
from tokens.models import (
    Eviction,
    ParticipantSession,
    Room,
    TokenEvent,
    User,
)

QUERIES = 14  # login, room, inline, audit rows, panels: none per participant
BEFORE_JOIN = datetime(2026, 3, 2, 9, 58, tzinfo=UTC)  # alice joins at 10:00


@pytest.fixture
def live(db, tokens, alice):
    room = Room.objects.create(name="standup")
    send(tokens, event("room-created", "09:59:00"), joined())
    return room


def issued(user, at, room="standup", outcome=TokenEvent.ISSUED):
    return TokenEvent.objects.create(
        user=user, identity=user.twilio_identity, outcome=outcome, room=room,
        created_at=at,
    )  # fmt: skip


def page(client, room) -> str:
    return html_of(client.get(admin_url(Room, "change", room.pk)))


def test_the_room_page_says_it_is_live_and_who_is_connected(staff, live, alice):
    letting_in = issued(alice, BEFORE_JOIN)
    issued(alice, BEFORE_JOIN.replace(hour=11))  # after the join: not this one
    issued(alice, BEFORE_JOIN.replace(minute=59), outcome="room_not_permitted")

    html = page(staff, live)

    assert "Live on Twilio" in html
    assert admin_url(User, "change", alice.pk) in html
    assert admin_url(TokenEvent, "change", letting_in.pk) in html
    assert "Remove this participant" in html
    assert "End the room now" in html


def test_a_room_that_ended_is_not_live_and_lists_its_past_sessions(staff, live, tokens):
    send(tokens, left(), event("room-ended", "10:06:00", RoomStatus="completed"))

    html = page(staff, live)

    assert "Not live on Twilio" in html
    assert "Nobody is connected now." in html
    assert "0:05:00" in html
    assert "End the room now" not in html


def test_the_full_session_list_of_a_room_is_one_link_away(staff, live, tokens):
    send(tokens, left())
    Room.objects.create(name="other")
    other = event("room-created", RoomSid="RM" + "5" * 32, RoomName="other")
    send(tokens, other, joined(sid="PA" + "6" * 32, RoomSid="RM" + "5" * 32))
    url = admin_url(ParticipantSession, "changelist")
    assert f"{url}?room={live.pk}" in page(staff, live)

    html = html_of(staff.get(url, {"room": live.pk}))

    assert "1 participant session" in html
    assert "PA" + "6" * 32 not in html


def test_the_room_page_reads_the_same_queries_whatever_the_participants(
    staff, live, tokens, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERIES):
        page(staff, live)
    for n in range(5):
        User.objects.create_user(f"user{n}")
        sid = f"PA{n:032d}"
        send(
            tokens,
            joined(sid=sid, identity=f"user{n}"),
            left(sid=sid, identity=f"user{n}"),
        )
        send(tokens, joined(sid=f"PA{n:031d}f", identity=f"user{n}"))

    with django_assert_max_num_queries(QUERIES):  # not one a participant
        page(staff, live)


def test_a_participant_being_removed_shows_it_and_no_remove_button(staff, live):
    now = timezone.now()
    Eviction.objects.create(
        session=ParticipantSession.objects.get(),
        reason=Eviction.WINDOW_ENDED,
        access_ended_at=now,
        decided_at=now,
    )

    html = page(staff, live)

    assert "being removed (window_ended)" in html
    assert "Remove this participant" not in html


def test_staff_who_may_not_view_sessions_do_not_see_who_is_connected(staff_with, live):
    html = page(staff_with("view_room"), live)

    assert "Connected now" not in html
    assert "alice" not in html


def test_staff_who_may_only_view_see_no_actions_and_no_links_they_cannot_open(
    staff_with, live, alice
):
    issued(alice, BEFORE_JOIN)
    client = staff_with("view_room", "view_twilioroom", "view_participantsession")

    html = page(client, live)

    assert "Live on Twilio" in html
    assert "alice" in html
    assert "Remove this participant" not in html
    assert "End the room now" not in html
    assert admin_url(User, "change", alice.pk) not in html


def test_the_user_page_shows_the_rooms_they_are_in_now(staff, live, alice):
    html = html_of(staff.get(admin_url(User, "change", alice.pk)))

    assert "In rooms now" in html
    assert admin_url(Room, "change", live.pk) in html


def test_the_user_page_of_someone_in_no_room_says_so(staff, bob):
    html = html_of(staff.get(admin_url(User, "change", bob.pk)))

    assert "In no room now." in html


# --- the evictions, in the audit log -------------------------------------------


@pytest.fixture
def evictions(live, tokens, root):
    now = timezone.now()
    send(tokens, joined(sid="PA" + "7" * 32, identity="bob"))
    sessions = ParticipantSession.objects.order_by("identity")
    Eviction.objects.create(
        session=sessions[0], reason=Eviction.STAFF, access_ended_at=now,
        decided_at=now, removed_at=now, attempts=1, staff_user=root,
    )  # fmt: skip
    return Eviction.objects.create(
        session=sessions[1], reason=Eviction.UNKNOWN_IDENTITY, access_ended_at=now,
        decided_at=now, attempts=3, last_error="twilio_unavailable",
    )  # fmt: skip


def test_staff_read_the_evictions_and_filter_the_pending_ones(staff, evictions):
    url = admin_url(Eviction, "changelist")

    every = html_of(staff.get(url))
    pending = html_of(staff.get(url, {"removed": "no"}))
    removed = html_of(staff.get(url, {"removed": "yes"}))
    by_reason = html_of(staff.get(url, {"reason": "staff"}))

    assert "alice" in every
    assert "bob" in every
    assert "twilio_unavailable" in pending
    assert "alice" not in pending
    assert "alice" in removed
    assert "bob" not in removed
    assert "alice" in by_reason
    assert "bob" not in by_reason


def test_evictions_cannot_be_added_changed_or_deleted(staff, evictions):
    add = staff.post(admin_url(Eviction, "add"), {})
    change = staff.post(
        admin_url(Eviction, "change", evictions.pk), {"reason": "staff"}
    )
    delete = staff.post(admin_url(Eviction, "delete", evictions.pk), {"post": "yes"})

    assert (add.status_code, delete.status_code) == (403, 403)
    assert change.status_code in (302, 403)
    evictions.refresh_from_db()
    assert evictions.reason == Eviction.UNKNOWN_IDENTITY


def test_staff_without_the_permission_cannot_read_evictions(staff_with, evictions):
    response = staff_with("view_room").get(admin_url(Eviction, "changelist"))

    assert response.status_code == 403


def test_the_page_of_a_room_deleted_meanwhile_is_the_admins_not_found(staff, live):
    gone = live.pk
    live.delete()

    response = staff.get(admin_url(Room, "change", gone))

    assert response.status_code == 302  # to the admin index, saying so
    assert response["Location"] == "/admin/"


def test_a_past_session_whose_end_twilio_never_gave_shows_an_unknown_duration(
    staff, live
):
    ParticipantSession.objects.update(disconnected_at=timezone.now(), duration=None)

    html = page(staff, live)

    assert "Nobody is connected now." in html
    assert "<td>unknown</td></tr>" in html  # the duration, the row's last cell


def test_an_eviction_page_is_named_by_identity_and_reason(staff, evictions):
    html = html_of(staff.get(admin_url(Eviction, "change", evictions.pk)))

    assert "bob: unknown_identity" in html
