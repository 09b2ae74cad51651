"""Load what the policy needs for one user, in a constant number of queries."""

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from tokens import policy
from tokens.models import RoomAccess, User
from tokens.rows import ModelColumns
from tokens.twilio.models import IN_PROGRESS

# The subject of a /token request (grant rules, the room, the access rows) is
# read with one fixed statement instead of ORM querysets: building the two
# querysets cost about 3 ms of CPU per request, more than the rest of the
# request together (docs/performance.md). Rows: (kind, video, flag, outgoing,
# incoming, chat, sync, max_ttl, group name, starts_at, ends_at); a rule's flag
# is unused, a room's and an access row's is whether the room is active; a
# room's video column is the SID of its in-progress Twilio room, if known
# (at most one: a partial unique index, which answers the subquery).
# PostgreSQL types each column of a UNION from its branches in order, and two
# leading NULLs make it text: the first branch gives the types.
RULE, ROOM, ACCESS = 0, 1, 2
# The window columns come back as the backend gives them (text on SQLite):
# converted as the ORM converts RoomAccess.starts_at and ends_at.
_ACCESS = ModelColumns(RoomAccess, "a")
# The user's rule and the groups' rules are two branches, not an OR: with
# the OR, PostgreSQL scanned every rule and hashed every group. Group names
# are scalar subqueries, not joins: joined, PostgreSQL hashed every row of
# auth_group (1,000 at the benchmark's scale) to name a user's 3 groups.
_RULES_SQL = """
SELECT 0, r.video, FALSE, r.voice_outgoing, r.voice_incoming, r.chat, r.sync,
       r.max_ttl, NULL, CAST(NULL AS TIMESTAMP WITH TIME ZONE),
       CAST(NULL AS TIMESTAMP WITH TIME ZONE)
  FROM tokens_grantrule r
 WHERE r.user_id = %s
UNION ALL
SELECT 0, r.video, NULL, r.voice_outgoing, r.voice_incoming, r.chat, r.sync,
       r.max_ttl, (SELECT g.name FROM auth_group g WHERE g.id = m.group_id),
       NULL, NULL
  FROM tokens_user_groups m
  JOIN tokens_grantrule r ON r.group_id = m.group_id
 WHERE m.user_id = %s"""
_ROOM_SQL = """
UNION ALL
SELECT 2, NULL, room.active, NULL, NULL, NULL, NULL, NULL,
       (SELECT g.name FROM auth_group g WHERE g.id = a.group_id),
       a.starts_at, a.ends_at
  FROM tokens_roomaccess a
  JOIN tokens_room room ON room.id = a.room_id
 WHERE room.name = %s AND (a.user_id = %s OR a.group_id IN (
     SELECT group_id FROM tokens_user_groups WHERE user_id = %s))
UNION ALL
SELECT 1, (SELECT t.sid FROM tokens_twilioroom t
            WHERE t.unique_name = room.name AND t.status = %s),
       room.active, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM tokens_room room
 WHERE room.name = %s"""


def load_subject(user: User, *, room: str | None) -> policy.Subject:
    """The user's rules and, when asked, the room and their access: one query."""
    sql = _RULES_SQL
    params: list[int | str] = [user.pk, user.pk]
    if room is not None:
        sql += _ROOM_SQL
        params += [room, user.pk, user.pk, IN_PROGRESS, room]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return policy.Subject(
        identity=user.twilio_identity,
        is_superuser=user.is_superuser,
        rules=_rules([row for row in rows if row[0] == RULE]),
        room=None if room is None else _room(room, rows),
    )


def load_rules(user: User) -> tuple[policy.Rule, ...]:
    """The user's own rule and their groups' rules: one query."""
    return load_subject(user, room=None).rules


def _rules(rows: list[tuple[Any, ...]]) -> tuple[policy.Rule, ...]:
    # Personal first, then groups by name: sources read the same every time.
    rows = sorted(rows, key=lambda row: (row[8] is not None, row[8] or ""))
    return tuple(
        policy.Rule(
            source=_source(group),
            video=video,
            voice_outgoing=bool(outgoing),
            voice_incoming=bool(incoming),
            chat=bool(chat),
            sync=bool(sync),
            max_ttl=max_ttl,
        )
        for _, video, _, outgoing, incoming, chat, sync, max_ttl, group, _, _ in rows
    )


def _room(name: str, rows: list[tuple[Any, ...]]) -> policy.RoomState:
    found = [row for row in rows if row[0] != RULE]
    if not found:
        return policy.RoomState(name=name)
    room_row = next(row for row in found if row[0] == ROOM)
    return policy.RoomState(
        name=name,
        known=True,
        active=bool(room_row[2]),
        live=room_row[1] is not None,
        windows=tuple(
            policy.Window(
                _source(row[8]),
                _ACCESS.value("starts_at", row[9]),
                _ACCESS.value("ends_at", row[10]),
            )
            for row in found
            if row[0] == ACCESS
        ),
    )


def _source(group: str | None) -> str:
    return f"group {group}" if group is not None else "personal"


def access_rows(user: User, *, ended_after: datetime) -> list[RoomAccess]:
    """The user's access rows ending after a time (or never), with rooms: one query.

    The row ids come from a UNION ALL of the user's rows and their groups'
    rows: with an OR of the two, PostgreSQL filtered every access row joined
    to its room (about 4 ms for a user with 60 rows among 50,000).
    """
    live = Q(ends_at__isnull=True) | Q(ends_at__gt=ended_after)
    memberships = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    own = RoomAccess.objects.filter(live, user_id=user.pk).order_by().values("pk")
    via_groups = (
        RoomAccess.objects.filter(live, group_id__in=memberships)
        .order_by()
        .values("pk")
    )
    return list(
        RoomAccess.objects.filter(pk__in=own.union(via_groups, all=True))
        .select_related("room", "group")
        .order_by("room__name", "starts_at")
    )
