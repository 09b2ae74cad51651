"""Whether a connected participant may stay: the decision `/token` makes, now.

Pure, like tokens/policy.py: no query, no settings, no request. A
participant may stay exactly when `/token` would grant them video for their
room at this moment (`policy.decide` with `grants=video` and the room);
otherwise the refusal is named by what changed, as an eviction reason code
(tokens/twilio/models.py `Eviction`). Alongside, the next moment time alone
could change the answer (a window's edge, Twilio's own
`max_participant_duration` cut-off), so the worker can sleep until then.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tokens import errors, policy

WINDOW_ENDED = "window_ended"
ACCESS_REVOKED = "access_revoked"
ROOM_INACTIVE = "room_inactive"
USER_INACTIVE = "user_inactive"
GRANT_REMOVED = "grant_removed"
UNKNOWN_IDENTITY = "unknown_identity"

VIDEO = frozenset({"video"})
# /token signs until the last whole second of a window (policy._room_ttl).
LAST_SECOND = timedelta(seconds=1)
# The worker holds real credentials (it talks to Twilio): the signing
# capabilities never refuse video, and the ttl limits never refuse a default.
CAPABILITIES = policy.Capabilities()
LIMITS = policy.Limits()


@dataclass(frozen=True)
class Connected:
    """What is known of one participant connected to a managed room.

    `subject` is None when the identity is no user of this server; its
    `room` is the participant's room with the user's access rows for it.
    """

    subject: policy.Subject | None
    room: policy.RoomState
    user_active: bool = True
    connected_at: datetime | None = None
    max_participant_duration: int | None = None  # seconds, None: Twilio's


@dataclass(frozen=True)
class Verdict:
    reason: str | None  # None: may stay
    access_ended_at: datetime | None = None  # when the eviction became due
    next_change: datetime | None = None  # when to look again, None: no date known


def decide(participant: Connected, *, now: datetime) -> Verdict:
    """Stay (reason None) or the eviction reason, and when to look again."""
    reason, ended = _refusal(participant, now)
    if reason is not None:
        return Verdict(reason, ended or now)
    return Verdict(None, next_change=_next_change(participant, now))


def _refusal(
    participant: Connected, now: datetime
) -> tuple[str | None, datetime | None]:
    if participant.subject is None:
        return UNKNOWN_IDENTITY, None
    if not participant.user_active:
        return USER_INACTIVE, None
    if participant.room.known and not participant.room.active:
        return ROOM_INACTIVE, None
    subject = policy.Subject(
        identity=participant.subject.identity,
        is_superuser=participant.subject.is_superuser,
        rules=participant.subject.rules,
        room=participant.room,
    )
    params = policy.Params(grants=VIDEO, room=participant.room.name)
    try:
        policy.decide(
            subject, params, capabilities=CAPABILITIES, limits=LIMITS, now=now
        )
    except (errors.NoGrants, errors.GrantNotPermitted):
        return GRANT_REMOVED, None
    except errors.RoomNotPermitted:
        return _access_ended(participant, now)
    return None, None


def _access_ended(participant: Connected, now: datetime) -> tuple[str, datetime | None]:
    """window_ended when a row's window has closed (and had not yet when the
    participant connected: an older one did not let them in); else the row
    that let them in went, or changed: access_revoked."""
    since = participant.connected_at
    ended = [
        w.ends_at
        for w in participant.room.windows
        if w.ends_at is not None
        and w.ends_at <= now + LAST_SECOND
        and (since is None or w.ends_at > since)
    ]
    if ended:
        return WINDOW_ENDED, max(ended)
    return ACCESS_REVOKED, None


def _next_change(participant: Connected, now: datetime) -> datetime | None:
    """The earliest future moment a window edge or Twilio's cut-off passes.

    Early is harmless (the worker looks, finds nothing, sleeps again). A
    window start counts too: an overlapping row may extend a window.
    """
    moments = []
    for window in participant.room.windows:
        if window.starts_at is not None and window.starts_at > now:
            moments.append(window.starts_at)
        if window.ends_at is not None:
            moments.append(window.ends_at)
    duration = participant.max_participant_duration
    if duration is not None and participant.connected_at is not None:
        moments.append(participant.connected_at + timedelta(seconds=duration))
    future = [moment for moment in moments if moment > now]
    return min(future, default=None)
