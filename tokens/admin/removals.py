"""Tell staff when their change ends someone's access to a room they are in.

The enforcement worker removes those participants; here the admin only
counts them, with the worker's own verdict (tokens/twilio/eviction.py, the
policy /token uses) applied to the database as the change left it, says so
on the page (a warning) and asks the worker to act now
(tokens/twilio/wake.py: on Redis when it waits there, else the database
stamp).

Call `candidates(...)` before the change when it deletes rows (a deleted
access row names no one afterwards), `warn_removals(...)` after it.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib import messages
from django.db.models import Q
from django.utils import timezone

from tokens.twilio import eviction
from tokens.twilio.connected import present
from tokens.twilio.eviction import Connected
from tokens.twilio.models import ParticipantSession
from tokens.twilio.wake import request_enforcement

VIDEO = frozenset({"video"})


def may_stay(facts: Connected, *, now: datetime) -> bool:
    """Whether the participant may stay: the worker's verdict, now."""
    return eviction.decide(facts, now=now).reason is None


def candidates(*, rooms=None, users=None, groups=None) -> list[ParticipantSession]:
    """Connected sessions in the managed rooms given (None: any), of the users
    or the groups' members given (both None: anyone), not removed yet."""
    where = Q()
    if rooms is not None:
        where &= Q(twilio_room__room__in=rooms)
    if users is not None or groups is not None:
        where &= Q(user__in=users or []) | Q(user__groups__in=groups or [])
    return connected_where(where)


def of_access_rows(rows: Iterable[tuple[int, int | None, int | None]]) -> Q:
    """The sessions that room access rows (room, user, group ids) concern."""
    where = Q(pk__in=[])
    for room_id, user_id, group_id in rows:
        owner = Q(user=user_id) if user_id else Q(user__groups=group_id)
        where |= Q(twilio_room__room=room_id) & owner
    return where


def under_access(access_rows) -> list[ParticipantSession]:
    """Who is connected now under these room access rows (a queryset): call
    it before the rows change or go."""
    rows = access_rows.values_list("room_id", "user_id", "group_id")
    return connected_where(of_access_rows(rows))


def connected_where(where: Q) -> list[ParticipantSession]:
    """Connected sessions of users in managed rooms matching `where`: one query."""
    removed = Q(eviction__isnull=False, eviction__removed_at__isnull=False)
    return list(
        ParticipantSession.objects.connected()
        .filter(where, twilio_room__room__isnull=False, user__isnull=False)
        .exclude(removed)
        .select_related("user", "twilio_room__room")
        .distinct()
    )


def losing_access(sessions: Iterable[ParticipantSession], *, now: datetime) -> int:
    """How many of the sessions' users may no longer be in their room.

    Judged as the worker judges them (tokens/twilio/eviction.py), from
    facts loaded for all the sessions at once: a bulk change concerning
    many connected people costs the same queries as one.
    """
    judged = [s for s in sessions if s.user is not None and s.twilio_room.room]
    return sum(1 for found in present(judged) if not may_stay(found.facts, now=now))


def warn_removals(request, sessions: Iterable[ParticipantSession]) -> int:
    """Count who the change removes; say it on the page and wake the worker."""
    now = timezone.now()
    count = losing_access(sessions, now=now)
    if count:
        request_enforcement()  # bulk updates send no signal: wake it here
        messages.warning(
            request,
            f"{count} connected participant(s) lose access with this change and "
            "are being removed from their rooms by the enforcement worker.",
        )
    return count
