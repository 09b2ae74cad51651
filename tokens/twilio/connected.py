"""Who is connected to a managed room now, with what the eviction policy needs.

Five queries whatever the number of sessions: the open sessions of managed
rooms not yet evicted (or the sessions given to `present`, as the admin's
removal warnings do), the users their identities name, those users' group
memberships, their grant rules, and their access rows for those rooms.
The facts mirror what tokens/issuing/subject.py loads for one `/token`: the
user's own rule and their groups' rules, the room, and the user's and their
groups' access rows for it.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from tokens import policy
from tokens.models import GrantRule, RoomAccess, User
from tokens.twilio.eviction import Connected
from tokens.twilio.models import IN_PROGRESS, ParticipantSession


@dataclass(frozen=True)
class Present:
    session: ParticipantSession
    facts: Connected


def load_connected() -> list[Present]:
    """Every open session of a managed, live Twilio room not removed yet
    (a removal still due is judged again: access may be back)."""
    sessions = list(
        ParticipantSession.objects.connected()
        .filter(
            Q(eviction__isnull=True) | Q(eviction__removed_at__isnull=True),
            twilio_room__room__isnull=False,
            twilio_room__status=IN_PROGRESS,
        )
        .select_related("twilio_room__room")
        .order_by("pk")
    )
    return present(sessions)


def present(sessions: list[ParticipantSession]) -> list[Present]:
    """The facts of these sessions (their `twilio_room__room` selected):
    four queries whatever their number."""
    users = {
        user.twilio_identity: user
        for user in User.objects.filter(
            twilio_identity__in={s.identity for s in sessions}
        ).only("pk", "twilio_identity", "is_active", "is_superuser")
    }
    room_ids = {s.twilio_room.room_id for s in sessions}
    rules, windows = _access(users, {pk for pk in room_ids if pk is not None})
    return [_present(session, users, rules, windows) for session in sessions]


def _present(session, users, rules, windows) -> Present:
    room = session.twilio_room.room
    user = users.get(session.identity)
    subject = None
    if user is not None:
        subject = policy.Subject(
            identity=user.twilio_identity,
            is_superuser=user.is_superuser,
            rules=tuple(rules[user.pk]),
        )
    state = policy.RoomState(
        name=room.name,
        known=True,
        active=room.active,
        windows=tuple(windows[(user.pk, room.pk)]) if user else (),
    )
    return Present(
        session,
        Connected(
            subject=subject,
            room=state,
            user_active=user.is_active if user else False,
            connected_at=session.connected_at,
            max_participant_duration=room.max_participant_duration,
        ),
    )


def _access(users: dict[str, User], room_ids: set[int]):
    """Rules by user id, and windows by (user id, room id): three queries."""
    rules: dict[int, list[policy.Rule]] = defaultdict(list)
    windows: dict[tuple[int, int], list[policy.Window]] = defaultdict(list)
    if not users:
        return rules, windows
    user_ids = [user.pk for user in users.values()]
    members: dict[int, list[int]] = defaultdict(list)  # group id -> user ids
    for user_id, group_id in User.groups.through.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "group_id"):
        members[group_id].append(user_id)
    owned = Q(user_id__in=user_ids) | Q(group_id__in=list(members))
    for rule in GrantRule.objects.filter(owned).select_related("group"):
        for user_id in _owners(rule, members):
            rules[user_id].append(_rule(rule))
    accesses = RoomAccess.objects.filter(owned, room_id__in=room_ids)
    for access in accesses.select_related("group"):
        for user_id in _owners(access, members):
            windows[(user_id, access.room_id)].append(access.as_window())
    return rules, windows


def _owners(row: GrantRule | RoomAccess, members: dict[int, list[int]]) -> list[int]:
    if row.user_id is not None:
        return [row.user_id]
    return members.get(row.group_id or 0, [])


def _rule(rule: GrantRule) -> policy.Rule:
    return policy.Rule(
        source=rule.source,
        video=rule.video,
        voice_outgoing=rule.voice_outgoing,
        voice_incoming=rule.voice_incoming,
        chat=rule.chat,
        sync=rule.sync,
        max_ttl=rule.max_ttl,
    )
