"""What a user may get now: the summary behind /api/me and the pages."""

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from tokens import policy
from tokens.credentials import current_credentials, current_limits
from tokens.issuing import subject
from tokens.models import RoomAccess, User
from tokens.timeutil import iso_utc

VIDEO_NOTES = {policy.VIDEO_ANY: "any room", policy.VIDEO_LISTED: "listed rooms only"}


@dataclass(frozen=True)
class RoomEntry:
    name: str
    display_name: str
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None
    source: str
    state: str  # "open", "upcoming", "ended" or "inactive"


@dataclass(frozen=True)
class Summary:
    identity: str
    grants: list[str]
    not_configured: list[str]
    video: str
    max_ttl: int
    default_ttl: int
    sources: dict[str, tuple[str, ...]]
    rooms: list[RoomEntry]
    next_change: datetime | None = None
    # The platform the session said and whether voice and chat tokens carry
    # a push credential for it.
    push: dict[str, Any] = field(default_factory=dict)

    @property
    def grant_rows(self) -> list[dict[str, Any]]:
        """Each grant available now, why, and a note on its extent, for pages."""
        notes = {"video": VIDEO_NOTES.get(self.video, "")}
        return [
            {
                "name": name,
                "sources": self.sources.get(name, ()),
                "note": notes.get(name),
            }
            for name in self.grants
        ]

    def as_json(self) -> dict[str, Any]:
        # Shallow copies: dataclasses.asdict deep-copies every value, which
        # was a third of the CPU of /api/me (docs/performance.md).
        body = _fields(self)
        body["next_change"] = iso_utc(self.next_change)
        body["sources"] = {name: list(found) for name, found in self.sources.items()}
        body["rooms"] = [
            {
                **_fields(room),
                "starts_at": iso_utc(room.starts_at),
                "ends_at": iso_utc(room.ends_at),
            }
            for room in self.rooms
        ]
        return body


def _fields(instance: Any) -> dict[str, Any]:  # a dataclass instance
    return {each.name: getattr(instance, each.name) for each in fields(instance)}


def summarize(
    user: User,
    *,
    capabilities: policy.Capabilities,
    limits: policy.Limits,
    now: datetime,
    ended_after: datetime | None = None,
) -> Summary:
    """Summarize the user's access at `now`; rooms ended after `ended_after` too."""
    rows = subject.access_rows(user, ended_after=ended_after or now)
    permitted = policy.combine(subject.load_rules(user), is_superuser=user.is_superuser)
    configured = policy.configured_grants(permitted, capabilities)
    ceiling = policy.max_ttl(permitted, limits)
    return Summary(
        identity=user.twilio_identity,
        grants=[name for name in policy.GRANT_NAMES if name in configured],
        not_configured=[
            name for name in policy.GRANT_NAMES if name in permitted.grants - configured
        ],
        video=permitted.video,
        max_ttl=ceiling,
        default_ttl=policy.default_ttl(permitted, limits),
        sources=permitted.sources,
        rooms=[
            RoomEntry(
                name=row.room.name,
                display_name=str(row.room),
                active=row.room.active,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                source=row.source,
                state=_state(row, now),
            )
            for row in rows
        ],
        next_change=next_change(rows, now),
    )


def next_change(rows: list[RoomAccess], now: datetime) -> datetime | None:
    """The next time a window of these rows opens or closes."""
    times = [
        moment
        for row in rows
        if row.room.active
        for moment in (row.starts_at, row.ends_at)
        if moment is not None and moment > now
    ]
    return min(times, default=None)


def _state(row: RoomAccess, now: datetime) -> str:
    if not row.room.active:
        return "inactive"
    if row.as_window().is_open(now):
        return "open"
    return "ended" if row.ends_at is not None and row.ends_at <= now else "upcoming"


def current_summary(
    user: User,
    *,
    now: datetime,
    ended_after: datetime | None = None,
    platform: str = "",
) -> tuple[Summary, bool]:
    """The summary under the server's settings, and whether demo mode is on."""
    credentials = current_credentials()
    summary = summarize(
        user,
        capabilities=credentials.capabilities,
        limits=current_limits(),
        now=now,
        ended_after=ended_after,
    )
    push = {
        "platform": platform or None,
        **{
            product: bool(credentials.push_credential_for(product, platform or None))
            for product in ("voice", "chat")
        },
    }
    return replace(summary, push=push), credentials.demo
