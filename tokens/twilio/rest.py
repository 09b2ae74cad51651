"""Our small, typed API over Twilio Video's REST: rooms and participants.

Built on twilio-python's `Client` (API key SID and secret, the account SID
as the account) with tokens/twilio/http.py under it: every call is bounded
and retried there. Here, Twilio's answers become our values and our errors:
`TwilioUnavailable` (tokens/errors.py: 503 twilio_unavailable, Retry-After)
when Twilio fails or does not answer, `TwilioRefused` when it answers no.
No message here carries a secret or Twilio's own text (which may quote
the request); only the HTTP status and Twilio's error code.
"""

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from tokens.credentials import TwilioCredentials
from tokens.errors import TwilioUnavailable
from tokens.metrics.record import rest_call
from tokens.twilio.conf import RestOptions
from tokens.twilio.http import RoomsHttpClient
from tokens.twilio.room_settings import RoomSettings

ROOM_EXISTS = 53113  # an in-progress room already has this unique name
ROOM_STATUS_INVALID = 53112  # e.g. completing a room that is not in progress
NOT_FOUND = 20404


class TwilioRefused(Exception):
    """Twilio answered with a refusal that retrying will not change."""

    def __init__(self, action: str, status: int | None, code: int | None) -> None:
        super().__init__(f"Twilio refused to {action}: status {status}, code {code}")
        self.status, self.code = status, code


@dataclass(frozen=True)
class RoomInfo:
    sid: str
    unique_name: str
    status: str
    date_created: datetime | None
    max_participant_duration: int | None
    adopted: bool = False  # it existed already (53113) and was taken over


@dataclass(frozen=True)
class ParticipantInfo:
    sid: str
    room_sid: str
    identity: str
    status: str
    start_time: datetime | None


def make_client(
    credentials: TwilioCredentials, options: RestOptions, **http_kwargs: Any
) -> Client:
    """A twilio Client with our HTTP client; `http_kwargs` (sleep, jitter)
    let tests run retries without waiting."""
    return Client(
        credentials.api_key,
        credentials.api_secret,
        credentials.account_sid,
        http_client=RoomsHttpClient(options, **http_kwargs),
        environment={},  # TWILIO_* of the process must not change the client
    )


def _room_info(room: Any, *, adopted: bool = False) -> RoomInfo:
    return RoomInfo(
        sid=room.sid,
        unique_name=room.unique_name,
        status=room.status,
        date_created=room.date_created,
        max_participant_duration=room.max_participant_duration,
        adopted=adopted,
    )


def _participant_info(participant: Any) -> ParticipantInfo:
    return ParticipantInfo(
        sid=participant.sid,
        room_sid=participant.room_sid,
        identity=participant.identity,
        status=participant.status,
        start_time=participant.start_time,
    )


def _refused(action: str, error: TwilioException) -> TwilioRefused:
    return TwilioRefused(action, *_status_and_code(error))


def _status_and_code(error: TwilioException) -> tuple[int | None, int | None]:
    if isinstance(error, TwilioRestException):
        return error.status, error.code
    # A failed list page is a bare TwilioException("Unable to fetch page",
    # response): its status and Twilio's code are in the response it holds.
    response: Any = error.args[1] if len(error.args) > 1 else None
    try:
        code = json.loads(response.text).get("code")
    except (AttributeError, TypeError, ValueError):
        code = None
    return getattr(response, "status_code", None), code


@rest_call("create_room", refused=TwilioRefused)
def create_room(
    client: Client, *, name: str, settings: RoomSettings, status_callback: str
) -> RoomInfo:
    """Create the room, or adopt the in-progress one of that name (53113)."""
    fields = {k: v for k, v in asdict(settings).items() if v is not None}
    try:
        room = client.video.v1.rooms.create(
            unique_name=name,
            status_callback=status_callback,
            status_callback_method="POST",
            **fields,
        )
    except TwilioRestException as error:
        if error.code != ROOM_EXISTS:
            raise _refused("create a room", error) from None
        adopted = fetch_room(client, name)
        if adopted is None:  # it ended in between: a new one is due
            raise TwilioUnavailable(retry_after=1) from None
        return RoomInfo(**{**asdict(adopted), "adopted": True})
    return _room_info(room)


@rest_call("fetch_room", refused=TwilioRefused)
def fetch_room(client: Client, sid_or_name: str) -> RoomInfo | None:
    """The room by SID, or the in-progress room by unique name; None: none."""
    try:
        return _room_info(client.video.v1.rooms(sid_or_name).fetch())
    except TwilioRestException as error:
        if error.status == 404:
            return None
        raise _refused("fetch a room", error) from None


@rest_call("list_rooms", refused=TwilioRefused)
def list_in_progress_rooms(client: Client) -> list[RoomInfo]:
    try:
        rooms = client.video.v1.rooms.list(status="in-progress")
    except TwilioException as error:
        raise _refused("list rooms", error) from None
    return [_room_info(room) for room in rooms]


@rest_call("list_participants", refused=TwilioRefused)
def list_connected_participants(client: Client, room: str) -> list[ParticipantInfo]:
    """Who is connected now to the room (SID, or unique name if in progress)."""
    try:
        found = client.video.v1.rooms(room).participants.list(status="connected")
    except TwilioException as error:
        if _status_and_code(error)[0] == 404:
            return []
        raise _refused("list participants", error) from None
    # A completed room lists its disconnected participants whatever the filter.
    return [_participant_info(p) for p in found if p.status == "connected"]


@rest_call("disconnect_participant", refused=TwilioRefused)
def disconnect_participant(
    client: Client, room: str, sid_or_identity: str
) -> ParticipantInfo | None:
    """Remove the participant; None when Twilio knows no such participant."""
    try:
        participant = (
            client.video.v1.rooms(room)
            .participants(sid_or_identity)
            .update(status="disconnected")
        )
    except TwilioRestException as error:
        if error.status == 404:
            return None
        raise _refused("disconnect a participant", error) from None
    return _participant_info(participant)


@rest_call("complete_room", refused=TwilioRefused)
def complete_room(client: Client, room: str) -> RoomInfo | None:
    """End the room (`Status=completed`); a room already ended is no error."""
    try:
        return _room_info(client.video.v1.rooms(room).update(status="completed"))
    except TwilioRestException as error:
        if error.status == 404:
            return None
        if error.code != ROOM_STATUS_INVALID:
            raise _refused("complete a room", error) from None
    return fetch_room(client, room)  # already completed: say so
