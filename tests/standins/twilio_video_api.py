"""The stand-in's REST endpoints: a request in, (status, JSON body) out.

Owns routing for the Rooms and Participants resources and what each
operation does with its fields: CreateRoom's settings and their ranges
(53107, 53123, 53109), UpdateRoom (`Status=completed`, 53112 otherwise),
the list filters and default participant status, UpdateRoomParticipant
(`Status=disconnected`). Form and query values arrive as lists, already
checked against the OpenAPI description by `openapi_check.py`.
"""

import re

from .twilio_video_json import error_body, page_json, participant_json, room_json
from .twilio_video_state import (
    MAX_PARTICIPANTS,
    TwilioError,
    VideoState,
    default_settings,
)

ROOM = re.compile(r"^/v1/Rooms/(?P<room>[^/]+)$")
PARTICIPANTS = re.compile(r"^/v1/Rooms/(?P<room>[^/]+)/Participants$")
PARTICIPANT = re.compile(r"^/v1/Rooms/(?P<room>[^/]+)/Participants/(?P<who>[^/]+)$")

# form field -> (setting, parse, (low, high) or None, error code when out of range)
CREATE_FIELDS = {
    "MaxParticipants": ("max_participants", int, None, 53107),
    "MaxParticipantDuration": ("max_participant_duration", int, (600, 86400), 53123),
    "EmptyRoomTimeout": ("empty_room_timeout", int, (1, 60), 53109),
    "UnusedRoomTimeout": ("unused_room_timeout", int, (1, 60), 53109),
    "RecordParticipantsOnConnect": (
        "record_participants_on_connect",
        "true".__eq__,
        None,
        0,
    ),
    "AudioOnly": ("audio_only", "true".__eq__, None, 0),
    "LargeRoom": ("large_room", "true".__eq__, None, 0),
    "StatusCallback": ("status_callback", str, None, 0),
    "StatusCallbackMethod": ("status_callback_method", str, None, 0),
    "MediaRegion": ("media_region", str, None, 0),
}


def _one(fields: dict, name: str, default=None):
    values = fields.get(name)
    return values[0] if values else default


def room_settings(form: dict) -> dict:
    """The settings of a room created with this form, or TwilioError."""
    settings = default_settings(_one(form, "Type", "group"))
    for name, (key, parse, bounds, code) in CREATE_FIELDS.items():
        if name not in form:
            continue
        value = parse(_one(form, name))
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise TwilioError(400, code, f"{name} is out of range")
        settings[key] = value
    if not 1 <= settings["max_participants"] <= MAX_PARTICIPANTS[settings["type"]]:
        raise TwilioError(400, 53107, "MaxParticipants is out of range")
    if "VideoCodecs" in form:
        settings["video_codecs"] = list(form["VideoCodecs"])
    return settings


class VideoApi:
    """Answer REST requests from one VideoState; `origin` goes into links."""

    def __init__(self, state: VideoState, origin: str):
        self.state = state
        self.origin = origin

    def handle(self, method: str, path: str, query: dict, form: dict):
        """Return (status, body) for a request that passed the checks."""
        try:
            with self.state.lock:
                return self._route(method, path, query, form)
        except TwilioError as error:
            return error.status, error_body(error)

    def _route(self, method, path, query, form):
        if path == "/v1/Rooms":
            return self._rooms(method, query, form)
        if match := ROOM.match(path):
            return self._room(method, match["room"], form)
        if match := PARTICIPANTS.match(path):
            return 200, self._participants(match["room"], query)
        if match := PARTICIPANT.match(path):
            return self._participant(method, match["room"], match["who"], form)
        raise TwilioError(501, 0, f"{method} {path} is not in the stand-in")

    def _room_json(self, room) -> dict:
        return room_json(room, self.state.account_sid, self.origin)

    def _rooms(self, method, query, form):
        if method == "POST":
            settings = room_settings(form)
            room = self.state.create_room(settings, _one(form, "UniqueName"))
            return 201, self._room_json(room)
        filters = {
            name: _one(query, name)
            for name in ("Status", "UniqueName")
            if name in query
        }
        rooms = self.state.list_rooms(filters.get("Status"), filters.get("UniqueName"))
        items = [self._room_json(room) for room in rooms]
        url = f"{self.origin}/v1/Rooms"
        return 200, page_json("rooms", items, url, filters, query)

    def _room(self, method, sid_or_name, form):
        room = self.state.find_room(sid_or_name)
        if method == "POST":
            if _one(form, "Status") != "completed":
                raise TwilioError(400, 53112, "Status is invalid")
            self.state.complete_room(room)
            return 202, self._room_json(room)
        return 200, self._room_json(room)

    def _participants(self, sid_or_name, query):
        room = self.state.find_room(sid_or_name)
        default = "connected" if room.status == "in-progress" else "disconnected"
        status = _one(query, "Status", default)
        if room.status != "in-progress":
            status = "disconnected"  # completed rooms list only these
        identity = _one(query, "Identity")
        chosen = [
            p
            for p in room.participants
            if p.status == status and identity in (None, p.identity)
        ]
        filters = {"Status": status} | ({"Identity": identity} if identity else {})
        items = [
            participant_json(p, self.state.account_sid, self.origin) for p in chosen
        ]
        url = f"{self.origin}/v1/Rooms/{room.sid}/Participants"
        return page_json("participants", items, url, filters, query)

    def _participant(self, method, sid_or_name, who, form):
        room = self.state.find_room(sid_or_name)
        participant = self.state.find_participant(room, who)
        if method == "POST":
            status = _one(form, "Status")
            if status not in (None, "disconnected"):
                raise TwilioError(400, 53112, "Status is invalid")
            if status == "disconnected":
                self.state.disconnect(room, participant)
            status_code = 202
        else:
            status_code = 200
        body = participant_json(participant, self.state.account_sid, self.origin)
        return status_code, body
