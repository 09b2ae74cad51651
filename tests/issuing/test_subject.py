"""What subject.load_subject reads for the policy: rules, the room, windows.

It is one hand-written statement (tokens/issuing/subject.py), so these tests pin what
it must return on SQLite and on PostgreSQL, without HTTP.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tokens import policy
from tokens.issuing import subject
from tokens.issuing.subject import access_rows, load_rules, load_subject
from tokens.models import GrantRule, Room, RoomAccess, User
from tokens.twilio.models import IN_PROGRESS, TwilioRoom

START = datetime(2026, 11, 24, 9, 30, 15, 123000, tzinfo=UTC)


def test_rules_are_personal_first_then_groups_by_name(alice, team, bob):
    zeta = Group.objects.create(name="zeta")
    alpha = Group.objects.create(name="alpha")
    alice.groups.add(zeta, alpha)
    GrantRule.objects.create(group=zeta, voice_incoming=True, max_ttl=600)
    GrantRule.objects.create(group=alpha, voice_outgoing=True)
    # Rules of a group alice is not in, and of another user, are not hers.
    other = Group.objects.create(name="other")
    GrantRule.objects.create(group=other, sync=True)
    GrantRule.objects.create(user=bob, video="any")

    rules = load_rules(alice)

    assert rules == (
        policy.Rule(source="personal", video="listed", chat=True),
        policy.Rule(source="group alpha", voice_outgoing=True),
        policy.Rule(source="group team", chat=True, sync=True),
        policy.Rule(source="group zeta", voice_incoming=True, max_ttl=600),
    )


def test_a_user_without_rules_has_none(bob):
    assert load_subject(bob, room=None) == policy.Subject(identity="bob", rules=())


def test_room_windows_come_from_the_user_and_their_groups(alice, team, bob):
    room = Room.objects.create(name="standup")
    RoomAccess.objects.create(room=room, user=alice, starts_at=START)
    RoomAccess.objects.create(
        room=room, group=team, starts_at=START, ends_at=START + timedelta(hours=1)
    )
    # Not alice's: another user's row, and her row on another room.
    RoomAccess.objects.create(room=room, user=bob)
    RoomAccess.objects.create(room=Room.objects.create(name="other"), user=alice)

    subject = load_subject(alice, room="standup")

    assert subject.identity == "alice"
    assert len(subject.rules) == 2
    assert subject.room.name == "standup"
    assert subject.room.known
    assert subject.room.active
    assert sorted(subject.room.windows, key=lambda w: w.source) == [
        policy.Window("group team", START, START + timedelta(hours=1)),
        policy.Window("personal", START, None),
    ]
    for window in subject.room.windows:
        assert window.starts_at.tzinfo is not None


def test_a_known_room_without_access_has_no_windows(alice):
    Room.objects.create(name="standup", active=False)

    room = load_subject(alice, room="standup").room

    assert room == policy.RoomState(name="standup", known=True, active=False)


def test_an_inactive_room_reads_inactive_with_its_windows(alice):
    room = Room.objects.create(name="standup", active=False)
    RoomAccess.objects.create(room=room, user=alice)

    state = load_subject(alice, room="standup").room

    assert (state.known, state.active) == (True, False)
    assert state.windows == (policy.Window("personal"),)


def test_an_unknown_room_is_unknown(alice):
    Room.objects.create(name="Standup")

    state = load_subject(alice, room="standup").room

    assert state == policy.RoomState(name="standup")


def test_superuser_flag_is_read(db):
    root = User.objects.create_superuser("root2", password="x" * 20)
    assert load_subject(root, room=None).is_superuser is True


def test_access_rows_are_the_users_and_groups_live_rows_by_room(alice, team, bob):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    beta, alpha = Room.objects.create(name="beta"), Room.objects.create(name="alpha")
    later = RoomAccess.objects.create(room=alpha, user=alice, starts_at=now)
    sooner = RoomAccess.objects.create(
        room=alpha, group=team, starts_at=now - timedelta(days=1)
    )
    open_ended = RoomAccess.objects.create(room=beta, group=team)
    ends_later = RoomAccess.objects.create(
        room=beta, user=alice, ends_at=now + timedelta(seconds=1)
    )
    # Ended, and not alice's: left out.
    RoomAccess.objects.create(room=beta, user=alice, ends_at=now)
    RoomAccess.objects.create(room=alpha, user=bob)
    RoomAccess.objects.create(room=alpha, group=Group.objects.create(name="other"))

    rows = access_rows(alice, ended_after=now)

    assert [row.pk for row in rows[:2]] == [sooner.pk, later.pk]
    assert {row.pk for row in rows[2:]} == {open_ended.pk, ends_later.pk}
    assert [row.room.name for row in rows] == ["alpha", "alpha", "beta", "beta"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans; SQLite has none"
)
def test_on_postgresql_group_names_are_read_by_key_not_by_a_scan(alice, team):
    # Joined to auth_group, the statement made PostgreSQL hash all 1,000
    # groups of the benchmark's data on every /token to name a user's 3.
    groups = Group.objects.bulk_create(Group(name=f"g{n:04}") for n in range(1000))
    GrantRule.objects.bulk_create(GrantRule(group=group, chat=True) for group in groups)
    alice.groups.add(*groups[:3])
    others = User.objects.bulk_create(
        User(username=f"u{n}", twilio_identity=f"u{n}") for n in range(400)
    )
    member = User.groups.through
    member.objects.bulk_create(  # 3 groups a user, as in the benchmark
        member(user_id=user.pk, group_id=groups[(3 * n + k) % 1000].pk)
        for n, user in enumerate(others)
        for k in range(3)
    )
    rooms = Room.objects.bulk_create(Room(name=f"r{n:04}") for n in range(1000))
    RoomAccess.objects.bulk_create(
        RoomAccess(room=room, group=groups[n]) for n, room in enumerate(rooms)
    )
    now = datetime.now(UTC)
    TwilioRoom.objects.bulk_create(  # past Twilio rooms, one live a name
        TwilioRoom(
            sid=f"RM{n:032}",
            unique_name=f"r{n % 1000:04}",
            status="in-progress" if n < 1000 else "completed",
            status_since=now,
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, at this size
        sql = "EXPLAIN (FORMAT JSON) " + subject._RULES_SQL + subject._ROOM_SQL
        params = [alice.pk, alice.pk, "r0001", alice.pk, alice.pk, IN_PROGRESS]
        cursor.execute(sql, [*params, "r0001"])
        plan = cursor.fetchone()[0]
    assert "auth_group" not in _scanned_whole(plan)
    assert "tokens_room" not in _scanned_whole(plan)
    assert "tokens_twilioroom" not in _scanned_whole(plan)


def _scanned_whole(plan) -> list[str]:
    nodes, found = list(plan if isinstance(plan, list) else [plan]), []
    while nodes:
        node = nodes.pop()
        node = node.get("Plan", node)
        if node.get("Node Type") == "Seq Scan":
            found.append(node["Relation Name"])
        nodes += node.get("Plans", [])
    return found


@pytest.mark.parametrize(
    ("status", "live"), [(IN_PROGRESS, True), ("completed", False), (None, False)]
)
def test_the_room_is_live_only_with_an_in_progress_twilio_room(
    alice, standup, status, live
):
    if status is not None:
        TwilioRoom.objects.create(
            sid="RM" + "3" * 32,
            room=standup,
            unique_name="standup",
            status=status,
            status_since=datetime.now(UTC),
        )

    assert load_subject(alice, room="standup").room.live is live
