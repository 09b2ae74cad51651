"""A change that ends a connected participant's access says so on the page."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.utils import timezone

from tests.helpers import admin_url, form_data
from tests.standins.twilio_webhook_posts import event, joined, send
from tests.twilio.test_wake import REDIS_URL
from tests.twilio.test_wake import _redis_answers as redis_answers
from tokens import policy
from tokens.admin.removals import may_stay
from tokens.models import GrantRule, Room, RoomAccess, User, WorkerLease
from tokens.twilio import wake
from tokens.twilio.eviction import Connected
from tokens.twilio.wake import Waiter

ONE = (
    "1 connected participant(s) lose access with this change and are being "
    "removed from their rooms by the enforcement worker."
)
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def connected(db, tokens, alice):
    """alice in standup now, under a room access row of hers."""
    room = Room.objects.create(name="standup")
    RoomAccess.objects.create(
        room=room, user=alice, ends_at=timezone.now() + timedelta(hours=1)
    )
    send(tokens, event("room-created", "09:59:00"), joined())
    return room


def warnings(response) -> list[str]:
    return [
        str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"
    ]


def save(client, model, obj, **changes):
    url = admin_url(model, "change", obj.pk)
    data = {**form_data(client.get(url)), **changes}
    data = {k: v for k, v in data.items() if v is not None}  # None: unticked
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    return response


def test_deactivating_a_room_on_its_page_warns_of_the_removals(staff, connected):
    response = save(staff, Room, connected, active=None)

    assert warnings(response) == [ONE]


def test_editing_a_room_without_changing_access_warns_nothing(staff, connected):
    response = save(staff, Room, connected, display_name="Stand-up")

    assert warnings(response) == []


def test_deactivating_a_user_warns_of_the_removals(staff, connected, alice):
    response = save(staff, User, alice, is_active=None)

    assert warnings(response) == [ONE]


def test_deleting_the_access_row_warns_of_the_removal(staff, connected):
    row = RoomAccess.objects.get()

    response = staff.post(admin_url(RoomAccess, "delete", row.pk), {"post": "yes"})

    assert warnings(response) == [ONE]


def test_deleting_one_of_two_open_windows_warns_nothing(staff, connected, alice, team):
    RoomAccess.objects.create(room=connected, group=team)
    row = RoomAccess.objects.get(user=alice)

    response = staff.post(admin_url(RoomAccess, "delete", row.pk), {"post": "yes"})

    assert warnings(response) == []


def test_moving_the_access_row_to_another_room_warns_of_the_removal(staff, connected):
    row = RoomAccess.objects.get()
    other = Room.objects.create(name="other")

    response = save(staff, RoomAccess, row, room=str(other.pk))

    assert warnings(response) == [ONE]


def test_the_bulk_room_deactivation_warns_of_the_removals(staff, connected):
    response = staff.post(
        admin_url(Room, "changelist"),
        {"action": "deactivate_rooms", ACTION_CHECKBOX_NAME: [connected.pk]},
    )

    assert warnings(response) == [ONE]


def test_ending_access_now_warns_of_the_removals_and_wakes_the_worker(
    staff, connected, django_capture_on_commit_callbacks
):
    now = timezone.now()
    WorkerLease.objects.create(
        name="enforce_access", holder="w1", expires_at=now, heartbeat_at=now
    )
    row = RoomAccess.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            admin_url(RoomAccess, "changelist"),
            {"action": "end_access_now", ACTION_CHECKBOX_NAME: [row.pk]},
        )

    assert warnings(response) == [ONE]
    assert WorkerLease.objects.get().wake_requested_at is not None


@pytest.mark.skipif(not redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_with_redis_a_bulk_deactivation_wakes_the_waiting_worker(
    staff, connected, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The bulk actions update rows without signals: the warning wakes the
    worker, on Redis when it waits there, not only on the database stamp."""
    monkeypatch.setattr(wake, "KEY", f"test:wake:{uuid.uuid4().hex}")
    settings.REDIS_URL = REDIS_URL
    waiter = Waiter(redis_url=REDIS_URL, longest=5)

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            admin_url(Room, "changelist"),
            {"action": "deactivate_rooms", ACTION_CHECKBOX_NAME: [connected.pk]},
        )

    assert waiter.wait(1) is True


def test_revoking_room_access_from_users_warns_of_the_removals(staff, connected, alice):
    response = staff.post(
        admin_url(User, "changelist"),
        {
            "action": "revoke_room_access",
            ACTION_CHECKBOX_NAME: [alice.pk],
            "room": connected.pk,
            "apply": "1",
        },
    )

    assert warnings(response) == [ONE]
    assert not RoomAccess.objects.exists()


def test_a_change_that_concerns_nobody_connected_warns_nothing(staff, connected, bob):
    response = save(staff, User, bob, is_active=None)

    assert warnings(response) == []


# --- the policy behind the count, no database -----------------------------------


def subject(*windows, video="listed", active=True, superuser=False):
    return policy.Subject(
        identity="alice",
        is_superuser=superuser,
        rules=(policy.Rule("personal", video=video),),
        room=policy.RoomState("standup", known=True, active=active, windows=windows),
    )


def stays_in(subject: policy.Subject, *, now) -> bool:
    return may_stay(Connected(subject=subject, room=subject.room), now=now)


@pytest.mark.parametrize(
    ("now", "stays"),
    [
        (NOON - timedelta(seconds=1), True),
        (NOON, False),
        (NOON + timedelta(seconds=1), False),
    ],
)
def test_a_listed_room_user_stays_until_the_window_ends(now, stays):
    window = policy.Window("personal", ends_at=NOON)

    assert stays_in(subject(window), now=now) is stays


@pytest.mark.parametrize(
    ("case", "stays"),
    [
        (subject(video="any"), True),
        (subject(video="any", active=False), False),
        (subject(policy.Window("personal"), video="none"), False),
        (subject(superuser=True, video="none"), True),
        (subject(), False),
    ],
)
def test_who_may_stay_in_a_room(case, stays):
    assert stays_in(case, now=NOON) is stays


def test_lowering_video_with_the_bulk_grant_action_warns_of_the_removal(
    staff, connected, alice
):
    data = {
        "action": "change_grants",
        ACTION_CHECKBOX_NAME: [alice.pk],
        **dict.fromkeys(
            ("voice_outgoing", "voice_incoming", "chat", "sync", "max_ttl"), ""
        ),
        "seconds": "",
        "video": "none",
        "apply": "1",
        "confirm": "1",
    }

    response = staff.post(admin_url(User, "changelist"), data)

    assert alice.grant_rule.__class__.objects.get(user=alice).video == "none"
    assert warnings(response) == [ONE]


@pytest.mark.parametrize("count", [2, 6])
def test_ending_a_group_access_reads_the_same_queries_whatever_the_connected(
    staff, tokens, count, django_assert_max_num_queries
):
    room = Room.objects.create(name="standup")
    tutors = Group.objects.create(name="tutors")
    GrantRule.objects.create(group=tutors, video="listed")
    row = RoomAccess.objects.create(room=room, group=tutors)
    calls = [event("room-created", "09:59:00")]
    for number in range(count):
        user = User.objects.create_user(f"student{number}")
        user.groups.add(tutors)
        calls.append(joined(sid=f"PA{number:032x}", identity=user.twilio_identity))
    send(tokens, *calls)

    with django_assert_max_num_queries(18):
        response = staff.post(
            admin_url(RoomAccess, "changelist"),
            {"action": "end_access_now", ACTION_CHECKBOX_NAME: [row.pk]},
        )

    assert warnings(response) == [f"{count} " + ONE[2:]]


def test_deleting_access_rows_in_bulk_warns_of_the_removals(staff, connected):
    row = RoomAccess.objects.get()

    response = staff.post(
        admin_url(RoomAccess, "changelist"),
        {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [row.pk]},
    )

    assert not RoomAccess.objects.exists()
    assert warnings(response) == [ONE]


def test_saving_a_room_page_unchanged_warns_nothing(staff, connected):
    response = save(staff, Room, connected)

    assert warnings(response) == []


def test_a_participant_who_is_no_user_here_is_not_counted_as_losing_access(
    staff, connected, tokens
):
    send(tokens, joined(sid="PA" + "6" * 32, identity="mallory"))  # never had any

    response = save(staff, Room, connected, active=None)

    assert warnings(response) == [ONE]
