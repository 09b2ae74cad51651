"""`manage.py enforce_access` against the stand-in Twilio Video: no mocks.

Rooms live in the stand-in's state (created without a status callback, as if
every callback were lost unless a test records the session itself); the
worker's first pass reconciles with Twilio's lists, judges everyone
connected and removes through REST those who may no longer stay.
"""

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from tests.standins.twilio_video import API_SECRET
from tests.standins.twilio_video_state import default_settings
from tokens.models import (
    Eviction,
    GrantRule,
    ParticipantSession,
    Room,
    RoomAccess,
    TwilioRoom,
    User,
    WorkerLease,
)
from tokens.twilio import lease
from tokens.twilio.conf import WorkerOptions
from tokens.twilio.worker import Worker

pytest_plugins = ["tests.standins.fixtures"]

HOUR = timedelta(hours=1)


@pytest.fixture
def twilio(settings, twilio_video):
    """The app's REST client talks to the stand-in, without retries."""
    settings.TWILIO_API_BASE_URL = twilio_video.origin
    settings.TWILIO = {
        **settings.TWILIO,
        "TWILIO_API_SECRET": ("TWILIO_API_SECRET", API_SECRET),
    }
    settings.TWILIO_REST_RETRIES = 0
    settings.TWILIO_REST_TIMEOUT = 2
    return twilio_video


@pytest.fixture
def math(db):
    return Room.objects.create(name="math")


def joined(twilio, identity: str, room="math", *, ago=HOUR):
    """`identity` connected to the live room `ago` before now."""
    if twilio.state.in_progress(room) is None:
        twilio.state.create_room(default_settings(), unique_name=room)
    twilio.state.clock.advance(-ago.total_seconds())
    try:
        return twilio.join(room, identity)
    finally:
        twilio.state.clock.advance(ago.total_seconds())


def recorded(participant) -> ParticipantSession:
    """The session row the participant-connected callback writes."""
    return ParticipantSession.objects.create(
        twilio_room=TwilioRoom.objects.get(sid=participant.room_sid),
        participant_sid=participant.sid,
        identity=participant.identity,
        user=User.objects.filter(twilio_identity=participant.identity).first(),
        connected_at=participant.start_time,
    )


def connected(twilio, room="math") -> list[str]:
    return sorted(p.identity for p in twilio.room(room).connected())


def removals(twilio) -> int:
    return sum(
        1
        for r in twilio.requests
        if r.method == "POST" and "/Participants/" in r.path and r.status in (200, 202)
    )


def enforce() -> None:
    call_command("enforce_access", "--once")


def test_a_participant_whose_window_ended_is_removed_exactly_once(twilio, alice, math):
    ended = timezone.now() - timedelta(seconds=1)
    RoomAccess.objects.create(room=math, user=alice, ends_at=ended)
    joined(twilio, "alice")

    enforce()
    enforce()  # a restart: nobody is removed twice

    assert connected(twilio) == []
    assert removals(twilio) == 1
    eviction = Eviction.objects.get()
    assert eviction.reason == Eviction.WINDOW_ENDED
    assert eviction.access_ended_at == ended
    assert eviction.removed_at is not None
    assert eviction.attempts == 1
    assert eviction.session.disconnected_at is not None


def test_whoever_token_would_let_in_stays(twilio, alice, root, math):
    RoomAccess.objects.create(room=math, user=alice, ends_at=timezone.now() + HOUR)
    joined(twilio, "alice")
    joined(twilio, "root")  # a superuser needs no access row

    enforce()

    assert connected(twilio) == ["alice", "root"]
    assert not Eviction.objects.exists()
    assert ParticipantSession.objects.connected().count() == 2


def _revoke(access):
    access.delete()


def _deactivate_room(access):
    Room.objects.filter(pk=access.room_id).update(active=False)


def _deactivate_user(access):
    access.user.is_active = False
    access.user.save()


def _remove_grant(access):
    GrantRule.objects.filter(user=access.user).update(video="none")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_revoke, Eviction.ACCESS_REVOKED),
        (_deactivate_room, Eviction.ROOM_INACTIVE),
        (_deactivate_user, Eviction.USER_INACTIVE),
        (_remove_grant, Eviction.GRANT_REMOVED),
    ],
)
def test_a_staff_change_removes_the_connected_participant(
    twilio, alice, math, change, reason
):
    access = RoomAccess.objects.create(room=math, user=alice)
    joined(twilio, "alice")
    enforce()
    assert connected(twilio) == ["alice"]

    change(access)
    enforce()

    assert connected(twilio) == []
    assert Eviction.objects.get().reason == reason


def test_leaving_the_group_that_gave_access_removes_the_participant(
    twilio, alice, math
):
    tutors = Group.objects.create(name="tutors")
    alice.groups.add(tutors)
    RoomAccess.objects.create(room=math, group=tutors)
    joined(twilio, "alice")
    enforce()
    assert connected(twilio) == ["alice"]

    alice.groups.clear()
    enforce()

    assert Eviction.objects.get().reason == Eviction.ACCESS_REVOKED


def test_participants_missed_by_every_callback_are_found_and_removed(twilio, bob, math):
    joined(twilio, "bob")  # a user without video
    joined(twilio, "mallory")  # no user of this server
    joined(twilio, "mallory", room="elsewhere")  # not a room of ours

    enforce()

    assert connected(twilio) == []
    assert connected(twilio, "elsewhere") == ["mallory"]
    assert dict(Eviction.objects.values_list("session__identity", "reason")) == {
        "bob": Eviction.GRANT_REMOVED,
        "mallory": Eviction.UNKNOWN_IDENTITY,
    }


def test_a_failing_twilio_leaves_the_removal_due_until_it_recovers(twilio, alice, math):
    RoomAccess.objects.create(room=math, user=alice, ends_at=timezone.now())
    joined(twilio, "alice")
    enforce()  # records the session from Twilio's lists, removes alice
    again = joined(twilio, "alice")  # alice again, with a token still valid
    recorded(again)  # its participant-connected callback came
    twilio.faults.fail(503, count=1000, path="/v1/Rooms/")

    enforce()
    Eviction.objects.update(next_attempt_at=timezone.now())  # the backoff passed
    enforce()

    pending = Eviction.objects.get(removed_at__isnull=True)
    assert (pending.attempts, pending.last_error) == (2, "twilio_unavailable")
    assert pending.next_attempt_at > timezone.now()
    assert connected(twilio) == ["alice"]

    twilio.faults.clear()
    Eviction.objects.update(next_attempt_at=timezone.now())
    enforce()

    pending.refresh_from_db()
    assert pending.removed_at is not None
    assert pending.attempts == 3
    assert connected(twilio) == []
    assert Eviction.objects.count() == 2  # one a connection


def test_a_worker_holding_the_lease_keeps_others_idle(twilio, alice, math):
    options = WorkerOptions()
    client = None  # the standby never reaches Twilio
    active = Worker(twilio.client(), options, holder="active")
    standby = Worker(client, options, holder="standby")  # type: ignore[arg-type]
    joined(twilio, "alice")

    active.run_pass()
    before = len(twilio.requests)
    assert standby.run_pass() == options.bound
    enforce()

    assert len(twilio.requests) == before
    assert lease.current().holder == "active"
    assert Eviction.objects.get().removed_at is not None  # by the active one


def test_an_expired_lease_is_taken_over(twilio, alice, math):
    past = timezone.now() - timedelta(seconds=1)
    WorkerLease.objects.create(
        name=lease.NAME, holder="dead", expires_at=past, heartbeat_at=past
    )
    joined(twilio, "alice")

    enforce()

    assert connected(twilio) == []
    held = lease.current()
    assert held.holder != "dead"
    assert held.heartbeat_at > past
    assert held.expires_at <= timezone.now()  # --once gives it up at the end


@pytest.mark.parametrize("count", [2, 8])
def test_a_pass_makes_a_fixed_number_of_queries(
    twilio, math, count, django_assert_max_num_queries
):
    tutors = Group.objects.create(name="tutors")
    GrantRule.objects.create(group=tutors, video="listed")
    RoomAccess.objects.create(room=math, group=tutors, ends_at=timezone.now() + HOUR)
    for number in range(count):
        user = User.objects.create_user(f"student{number}")
        user.groups.add(tutors)
        GrantRule.objects.create(user=user, chat=True)
        joined(twilio, user.twilio_identity)
    worker = Worker(twilio.client(), WorkerOptions(), holder="me")
    worker.run_pass()  # records the sessions
    worker.next_reconcile = None  # and reconciles again

    with django_assert_max_num_queries(18):
        worker.run_pass()

    assert len(connected(twilio)) == count


def test_a_room_whose_window_opens_now_is_created_on_twilio_with_its_settings(
    twilio, alice, math
):
    math.max_participants = 4
    math.save()
    RoomAccess.objects.create(room=math, user=alice, starts_at=timezone.now())

    enforce()

    live = twilio.state.in_progress("math")
    assert live is not None
    assert live.settings["max_participants"] == 4
    assert TwilioRoom.objects.get(room=math).sid == live.sid


def test_a_room_whose_window_opens_tomorrow_is_not_created_yet(twilio, alice, math):
    tomorrow = timezone.now() + timedelta(days=1)
    RoomAccess.objects.create(room=math, user=alice, starts_at=tomorrow)

    enforce()

    assert twilio.state.in_progress("math") is None


def test_access_restored_while_twilio_fails_cancels_the_removal(twilio, alice, math):
    access = RoomAccess.objects.create(room=math, user=alice)
    joined(twilio, "alice")
    enforce()  # records alice's session from Twilio's lists; she stays
    access.ends_at = timezone.now()
    access.save()
    twilio.faults.fail(503, count=1000, path="/v1/Rooms/")
    enforce()
    assert Eviction.objects.get().removed_at is None  # due, Twilio failing

    RoomAccess.objects.create(room=math, user=alice)  # staff give access back
    twilio.faults.clear()
    Eviction.objects.update(next_attempt_at=timezone.now())
    enforce()

    assert connected(twilio) == ["alice"]
    assert removals(twilio) == 0
    assert not Eviction.objects.exists()


def test_a_removal_in_its_backoff_is_not_tried_again_before_it_is_due(
    twilio, alice, math
):
    RoomAccess.objects.create(room=math, user=alice, ends_at=timezone.now())
    alice_in = joined(twilio, "alice")
    removal = f"/v1/Rooms/{alice_in.room_sid}/Participants/"
    twilio.faults.fail(503, count=1000, path=removal)

    enforce()
    tried = len(twilio.requests)
    enforce()  # a wake before the backoff has passed

    pending = Eviction.objects.get()
    assert (pending.attempts, pending.removed_at) == (1, None)
    assert [r.method for r in twilio.requests[tried:]] == ["GET", "GET"]  # lists
    assert connected(twilio) == ["alice"]


def test_a_removal_twilio_refuses_records_the_refusal_for_staff(twilio, alice, math):
    access = RoomAccess.objects.create(room=math, user=alice)
    joined(twilio, "alice")
    enforce()  # alice may stay; her session is recorded
    access.delete()
    twilio.credentials[twilio.api_key_sid] = "rotated"  # our key no longer works

    enforce()

    pending = Eviction.objects.get()
    assert (pending.removed_at, pending.last_error) == (None, "refused 401/20003")
    assert connected(twilio) == ["alice"]


def test_a_participant_who_left_during_the_backoff_keeps_the_time_they_left(
    twilio, alice, math
):
    RoomAccess.objects.create(room=math, user=alice, ends_at=timezone.now())
    alice_in = joined(twilio, "alice")
    twilio.faults.fail(
        503, count=1000, path=f"/v1/Rooms/{alice_in.room_sid}/Participants/"
    )
    enforce()
    left_at = timezone.now() - timedelta(seconds=30)
    twilio.leave("math", "alice")
    ParticipantSession.objects.update(
        disconnected_at=left_at, duration=3570
    )  # its callback

    twilio.faults.clear()
    Eviction.objects.update(next_attempt_at=timezone.now())
    enforce()

    eviction = Eviction.objects.get()
    assert eviction.removed_at is not None
    assert eviction.session.disconnected_at == left_at
    assert eviction.session.duration == 3570


def test_a_room_twilio_fails_to_create_is_created_at_a_later_pass(
    twilio, alice, math, caplog
):
    RoomAccess.objects.create(room=math, user=alice, starts_at=timezone.now())
    twilio.faults.fail(503, count=1, path="/v1/Rooms")  # the listing passes
    twilio.faults.fail(503, count=1000, path="/v1/Rooms")

    enforce()

    assert "creating room math failed: twilio_unavailable" in caplog.text
    assert twilio.state.in_progress("math") is None
    assert not TwilioRoom.objects.exists()

    twilio.faults.clear()
    enforce()

    assert TwilioRoom.objects.get(room=math).sid == twilio.state.in_progress("math").sid


def test_sigterm_ends_the_worker_after_its_pass_and_gives_the_lease_up(
    twilio, alice, math
):
    joined(twilio, "alice")  # no access: the first pass removes alice
    previous = {n: signal.getsignal(n) for n in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, lambda *_: None)  # until the command sets its own
    returned = threading.Event()

    def terminate_after_the_removal():
        while connected(twilio) and not returned.wait(0.05):
            pass
        while not returned.wait(0.2):
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate_after_the_removal, daemon=True).start()
    started = time.monotonic()
    try:
        call_command("enforce_access")
    finally:
        returned.set()
        for number, handler in previous.items():
            signal.signal(number, handler)

    assert time.monotonic() - started < 10  # not its bound
    assert connected(twilio) == []
    assert lease.current().expires_at <= timezone.now()
