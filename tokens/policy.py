"""Who gets which grants, for which room, for how long: pure decisions.

No request, no settings, no Twilio and no query here. The caller loads the
user's rules and room access, and passes the time.

Rules combine generously: a user gets a grant if their own rule or any of
their groups' rules gives it; video "any room" beats "listed rooms"; the
largest `max_ttl` set by any applicable rule is the user's maximum, and the
server default applies only when no rule sets one.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tokens import errors

GRANT_NAMES = ("video", "voice", "chat", "sync")
MIN_TTL = 180
MAX_TTL = 86400

VIDEO_NONE, VIDEO_LISTED, VIDEO_ANY = "none", "listed", "any"
VIDEO_LEVELS = (VIDEO_NONE, VIDEO_LISTED, VIDEO_ANY)
# The device platforms a push credential is chosen for.
PLATFORMS = ("ios", "ios-sandbox", "android")


@dataclass(frozen=True)
class Rule:
    """One user's or group's grant permissions."""

    source: str
    video: str = VIDEO_NONE
    voice_outgoing: bool = False
    voice_incoming: bool = False
    chat: bool = False
    sync: bool = False
    max_ttl: int | None = None


@dataclass(frozen=True)
class Window:
    """A room access row: open from `starts_at` until `ends_at` (None: unbounded)."""

    source: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        started = self.starts_at is None or self.starts_at <= now
        return started and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True)
class RoomState:
    """What the database knows of one requested room, for one user."""

    name: str
    known: bool = False
    active: bool = False
    windows: tuple[Window, ...] = ()
    live: bool = False  # an in-progress Twilio room of this name is known


@dataclass(frozen=True)
class Subject:
    identity: str
    is_superuser: bool = False
    rules: tuple[Rule, ...] = ()
    room: RoomState | None = None


@dataclass(frozen=True)
class Capabilities:
    """What the server's Twilio settings allow it to put in a token."""

    missing_core: tuple[str, ...] = ()
    chat: bool = True
    sync: bool = True
    voice_outgoing: bool = True

    @property
    def credentials(self) -> bool:
        return not self.missing_core


@dataclass(frozen=True)
class Limits:
    default_ttl: int = 3600
    default_max_ttl: int = 3600


@dataclass(frozen=True)
class Params:
    grants: frozenset[str] | None = None
    room: str | None = None
    device: str | None = None
    ttl: int | None = None
    identity: str | None = None
    platform: str | None = None


@dataclass(frozen=True)
class Permitted:
    """The union of a user's rules."""

    video: str = VIDEO_NONE
    voice_outgoing: bool = False
    voice_incoming: bool = False
    chat: bool = False
    sync: bool = False
    max_ttl: int | None = None
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def grants(self) -> frozenset[str]:
        return frozenset(name for name, on in _grant_flags(self).items() if on)


@dataclass(frozen=True)
class Decision:
    grants: tuple[str, ...]
    ttl: int
    expires_at: datetime
    room: str | None = None
    voice_outgoing: bool = False
    voice_incoming: bool = False


def needs_live_room(subject: Subject, decision: Decision) -> bool:
    """Whether the room must be made live on Twilio before the token: the
    video grant names a room staff manage, with no in-progress room known."""
    room = subject.room
    return (
        decision.room is not None
        and "video" in decision.grants
        and room is not None
        and room.known
        and not room.live
    )


def combine(rules: tuple[Rule, ...], *, is_superuser: bool) -> Permitted:
    """Merge rules, the most generous winning; superusers get every grant."""
    if is_superuser:
        rules = (*rules, Rule("superuser", VIDEO_ANY, True, True, True, True))
    sources: dict[str, list[str]] = {}
    for rule in rules:
        for name, on in _grant_flags(rule).items():
            if on:
                sources.setdefault(name, []).append(rule.source)
    ttls = [rule.max_ttl for rule in rules if rule.max_ttl is not None]
    return Permitted(
        video=max(
            (rule.video for rule in rules), key=VIDEO_LEVELS.index, default=VIDEO_NONE
        ),
        voice_outgoing=any(rule.voice_outgoing for rule in rules),
        voice_incoming=any(rule.voice_incoming for rule in rules),
        chat=any(rule.chat for rule in rules),
        sync=any(rule.sync for rule in rules),
        max_ttl=max(ttls) if ttls else None,
        sources={name: tuple(found) for name, found in sources.items()},
    )


def _grant_flags(rule: Rule | Permitted) -> dict[str, bool]:
    return {
        "video": rule.video != VIDEO_NONE,
        "voice": rule.voice_outgoing or rule.voice_incoming,
        "chat": rule.chat,
        "sync": rule.sync,
    }


def configured_grants(
    permitted: Permitted, capabilities: Capabilities
) -> frozenset[str]:
    """The permitted grants the server has the settings to sign."""
    if not capabilities.credentials:
        return frozenset()
    needs = {
        "video": True,
        "voice": capabilities.voice_outgoing or not permitted.voice_outgoing,
        "chat": capabilities.chat,
        "sync": capabilities.sync,
    }
    return frozenset(name for name in permitted.grants if needs[name])


def max_ttl(permitted: Permitted, limits: Limits) -> int:
    chosen = (
        permitted.max_ttl if permitted.max_ttl is not None else limits.default_max_ttl
    )
    return max(MIN_TTL, min(chosen, MAX_TTL))


def decide(
    subject: Subject,
    params: Params,
    *,
    capabilities: Capabilities,
    limits: Limits,
    now: datetime,
) -> Decision:
    """Decide the token's contents, or raise the refusal that applies."""
    if params.identity is not None and params.identity != subject.identity:
        raise errors.IdentityMismatch()
    if not capabilities.credentials:
        raise errors.TwilioNotConfigured(missing=capabilities.missing_core)
    permitted = combine(subject.rules, is_superuser=subject.is_superuser)
    grants = _choose_grants(permitted, params, capabilities)
    ttl = _requested_ttl(permitted, params, limits)
    room = None
    if "video" in grants and params.room is not None:
        room = params.room
        ttl = _room_ttl(permitted, subject.room, ttl, now)
    return Decision(
        grants=tuple(name for name in GRANT_NAMES if name in grants),
        ttl=ttl,
        expires_at=now + timedelta(seconds=ttl),
        room=room,
        voice_outgoing="voice" in grants and permitted.voice_outgoing,
        voice_incoming="voice" in grants and permitted.voice_incoming,
    )


def _choose_grants(
    permitted: Permitted, params: Params, capabilities: Capabilities
) -> frozenset[str]:
    configured = configured_grants(permitted, capabilities)
    if params.grants is not None:
        return _check_requested(params, permitted, configured)
    if not permitted.grants:
        raise errors.NoGrants()
    if params.room is not None and permitted.video == VIDEO_NONE:
        raise errors.RoomNotPermitted()
    chosen = set(configured)
    if params.room is None and permitted.video == VIDEO_LISTED:
        chosen.discard("video")
    if chosen:
        return frozenset(chosen)
    if permitted.grants - configured:
        raise errors.GrantNotConfigured(missing=sorted(permitted.grants - configured))
    raise errors.RoomRequired()


def _check_requested(
    params: Params, permitted: Permitted, configured: frozenset[str]
) -> frozenset[str]:
    requested = params.grants or frozenset()
    refused = requested - permitted.grants
    if refused:
        raise errors.GrantNotPermitted(grants=sorted(refused))
    unconfigured = requested - configured
    if unconfigured:
        raise errors.GrantNotConfigured(missing=sorted(unconfigured))
    if params.room is not None and "video" not in requested:
        raise errors.InvalidParameter(
            "room", "A room can only be asked for with video."
        )
    if "video" in requested and params.room is None and permitted.video == VIDEO_LISTED:
        raise errors.RoomRequired()
    return requested


def default_ttl(permitted: Permitted, limits: Limits) -> int:
    """The lifetime of a token asked for without `ttl`."""
    # A misconfigured default (0, 60) never yields a token below MIN_TTL.
    return min(max(limits.default_ttl, MIN_TTL), max_ttl(permitted, limits))


def _requested_ttl(permitted: Permitted, params: Params, limits: Limits) -> int:
    ceiling = max_ttl(permitted, limits)
    if params.ttl is None:
        return default_ttl(permitted, limits)
    if not MIN_TTL <= params.ttl <= ceiling:
        raise errors.InvalidParameter(
            "ttl", f"Ensure ttl is between {MIN_TTL} and {ceiling} seconds."
        )
    return params.ttl


def _room_ttl(
    permitted: Permitted, room: RoomState | None, ttl: int, now: datetime
) -> int:
    """Check access to the room and cut the ttl to the end of its window."""
    if room is None or (room.known and not room.active):
        raise errors.RoomNotPermitted()
    if permitted.video == VIDEO_ANY:
        return ttl
    open_windows = [window for window in room.windows if window.is_open(now)]
    if not room.known or not open_windows:
        raise errors.RoomNotPermitted()
    ends = [window.ends_at for window in open_windows]
    if None in ends:
        return ttl
    remaining = int((max(end for end in ends if end is not None) - now).total_seconds())
    if remaining < 1:
        raise errors.RoomNotPermitted()
    return min(ttl, remaining)
