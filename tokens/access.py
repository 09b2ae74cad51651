"""What a user may get now: the summary behind /api/me and the pages."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tokens import loading, policy
from tokens.models import User
from tokens.timeutil import iso_utc


@dataclass(frozen=True)
class RoomEntry:
    name: str
    display_name: str
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None
    source: str
    state: str  # "open" or "upcoming"


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

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["sources"] = {name: list(found) for name, found in self.sources.items()}
        for room in body["rooms"]:
            for key in ("starts_at", "ends_at"):
                room[key] = iso_utc(room[key])
        return body


def summarize(
    user: User,
    *,
    capabilities: policy.Capabilities,
    limits: policy.Limits,
    now: datetime,
) -> Summary:
    permitted = policy.combine(loading.load_rules(user), is_superuser=user.is_superuser)
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
        default_ttl=min(limits.default_ttl, ceiling),
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
            for row in loading.open_access(user, now)
        ],
    )


def _state(row, now: datetime) -> str:
    if not row.room.active:
        return "inactive"
    return "open" if row.as_window().is_open(now) else "upcoming"
