"""Load what the policy needs for one user, in a constant number of queries."""

from datetime import datetime

from django.db.models import CharField, DateTimeField, Q, Value

from tokens import policy
from tokens.models import GrantRule, Room, RoomAccess, User, for_user_or_groups


def load_rules(user: User) -> tuple[policy.Rule, ...]:
    """The user's own rule and their groups' rules: one query."""
    rows = GrantRule.objects.filter(for_user_or_groups(user)).select_related("group")
    # Personal first, then groups by name: sources read the same every time.
    ordered = sorted(
        rows, key=lambda row: (row.group is not None, str(row.group or ""))
    )
    return tuple(_rule(row) for row in ordered)


def _rule(row: GrantRule) -> policy.Rule:
    return policy.Rule(
        source=row.source,
        video=row.video,
        voice_outgoing=row.voice_outgoing,
        voice_incoming=row.voice_incoming,
        chat=row.chat,
        sync=row.sync,
        max_ttl=row.max_ttl,
    )


def load_room(user: User, name: str) -> policy.RoomState:
    """The room and the user's access rows for it: one query.

    A UNION ALL of the room row and the user's access rows, so an unknown
    room, a room without access and a room with several windows all cost one
    round trip (a /token request has a budget of four queries).
    """
    no_time = Value(None, output_field=DateTimeField())
    room = (
        Room.objects.filter(name=name)
        .order_by()
        .values_list(
            Value(False),
            "active",
            no_time,
            no_time,
            Value(None, output_field=CharField()),
        )
    )
    access = (
        RoomAccess.objects.for_user(user)
        .filter(room__name=name)
        .order_by()
        .values_list(Value(True), "room__active", "starts_at", "ends_at", "group__name")
    )
    rows = list(room.union(access, all=True))
    if not rows:
        return policy.RoomState(name=name)
    return policy.RoomState(
        name=name,
        known=True,
        active=bool(rows[0][1]),
        windows=tuple(
            policy.Window(f"group {group}" if group else "personal", starts, ends)
            for is_access, _, starts, ends, group in rows
            if is_access
        ),
    )


def load_subject(user: User, *, room: str | None) -> policy.Subject:
    return policy.Subject(
        identity=user.twilio_identity,
        is_superuser=user.is_superuser,
        rules=load_rules(user),
        room=load_room(user, room) if room is not None else None,
    )


def access_rows(user: User, *, ended_after: datetime) -> list[RoomAccess]:
    """The user's access rows ending after a time (or never), with rooms: one query."""
    return list(
        RoomAccess.objects.for_user(user)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=ended_after))
        .select_related("room", "group")
        .order_by("room__name", "starts_at")
    )
