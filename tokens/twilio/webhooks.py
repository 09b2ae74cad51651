"""Status callbacks in: is it signed by Twilio, and what does it say.

Pure functions, no database: `signature_is_valid` checks X-Twilio-Signature
with twilio's RequestValidator (constant-time compare) against the public
URL, for any of the configured auth tokens; `parse_callback` turns the form
into a `Callback` or refuses it with `BadCallback`, naming the field.
Values are refused rather than truncated: a cut identity or SID would
match the wrong user or session, and a signed request carrying them comes
from Twilio's side, where a 400 shows in its debugger.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_datetime
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    RequestValidator,
    get_signature_algorithm,
)

ROOM_EVENTS = frozenset({"room-created", "room-ended"})
PARTICIPANT_EVENTS = frozenset({"participant-connected", "participant-disconnected"})
KNOWN_EVENTS = ROOM_EVENTS | PARTICIPANT_EVENTS
ROOM_STATUSES = frozenset({"in-progress", "completed", "failed"})

MAX_VALUE = 256  # longer than any field Twilio sends us
FORMATS = {
    "AccountSid": re.compile(r"AC[0-9a-f]{32}"),
    "RoomSid": re.compile(r"RM[0-9a-f]{32}"),
    "ParticipantSid": re.compile(r"PA[0-9a-f]{32}"),
    "StatusCallbackEvent": re.compile(r"[a-z][a-z0-9-]{0,63}"),
    "ParticipantDuration": re.compile(r"[0-9]{1,9}"),
}


class BadCallback(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Callback:
    event: str
    account_sid: str
    room_sid: str
    room_name: str
    room_status: str
    timestamp: datetime
    participant_sid: str = ""
    identity: str = ""
    participant_duration: int | None = None

    @property
    def is_known(self) -> bool:
        return self.event in KNOWN_EVENTS

    @property
    def started_at(self) -> datetime | None:
        """When a disconnected participant connected, from its duration."""
        if self.participant_duration is None:
            return None
        return self.timestamp - timedelta(seconds=self.participant_duration)


def signature_is_valid(
    *,
    url: str,
    params,
    signature: str,
    settings_header: str,
    auth_tokens: Iterable[str],
) -> bool:
    """Whether any auth token signed `params` for `url` (a rotation has two)."""
    algorithm = get_signature_algorithm(settings_header)
    if not signature or algorithm not in (HMAC_SHA1, HMAC_SHA256):
        return False  # an unknown algorithm name is not logged by the validator
    return any(
        RequestValidator(token).validate(url, params, signature, algorithm)
        for token in auth_tokens
    )


def _clean(field: str, value: str) -> str:
    if len(value) > MAX_VALUE:
        raise BadCallback(field, f"longer than {MAX_VALUE} characters.")
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise BadCallback(field, "contains control or invisible characters.")
    pattern = FORMATS.get(field)
    if pattern and not pattern.fullmatch(value):
        raise BadCallback(field, "malformed.")
    return value


def _field(form, name: str, *, required: bool = True) -> str:
    values = form.getlist(name)
    if len(values) > 1:
        raise BadCallback(name, "given more than once.")
    if not values or values[0] == "":
        if required:
            raise BadCallback(name, "missing.")
        return ""
    return _clean(name, values[0])


def _timestamp(form, now: datetime) -> datetime:
    text = _field(form, "Timestamp", required=False)
    if not text:
        return now  # Twilio always sends one; if not, the time it arrived
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BadCallback("Timestamp", "not an ISO 8601 time with a time zone.")
    return parsed


def parse_callback(form, *, now: datetime) -> Callback:
    """The callback in `form` (a QueryDict), or BadCallback naming the field.

    An event we do not act on is parsed only as far as its name and room,
    so Twilio's other events (tracks, recordings) are accepted and ignored.
    """
    event = _field(form, "StatusCallbackEvent")
    common: dict[str, Any] = {
        "event": event,
        "account_sid": _field(form, "AccountSid"),
        "room_sid": _field(form, "RoomSid"),
        "room_name": _field(form, "RoomName"),
        "room_status": _field(form, "RoomStatus", required=False),
        "timestamp": _timestamp(form, now),
    }
    if event not in PARTICIPANT_EVENTS:
        return Callback(**common)
    duration = _field(form, "ParticipantDuration", required=False)
    return Callback(
        **common,
        participant_sid=_field(form, "ParticipantSid"),
        identity=_field(form, "ParticipantIdentity"),
        participant_duration=int(duration) if duration else None,
    )
