"""The stand-in Twilio Video's memory: rooms, participants and their lifecycle.

Owns the rules a real Video account applies: one in-progress room per unique
name (53113), a unique name addresses only an in-progress room, ending a room
disconnects everyone, a second connection with the same identity drops the
first (53205), a full room refuses a connect (53105), and the unused/empty room
timeouts and `max_participant_duration` end rooms and connections as time
passes. Every change emits the status callback event a real room sends, in
order, through `emit`. No HTTP here: `twilio_video_api.py` maps requests onto
these methods and `twilio_video_json.py` renders the results.
"""

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

MAX_PARTICIPANTS = {"group": 50, "group-small": 4, "peer-to-peer": 10, "go": 2}
DEFAULT_MAX_PARTICIPANT_DURATION = 14400


def default_settings(room_type: str = "group") -> dict:
    """What a room gets for every property its creator left out."""
    return {
        "type": room_type,
        "max_participants": MAX_PARTICIPANTS[room_type],
        "max_participant_duration": DEFAULT_MAX_PARTICIPANT_DURATION,
        "empty_room_timeout": 5,
        "unused_room_timeout": 5,
        "record_participants_on_connect": False,
        "status_callback": None,
        "status_callback_method": "POST",
        "video_codecs": ["VP8"],
        "media_region": "us1",
        "audio_only": False,
        "large_room": False,
        "enable_turn": True,
        "max_concurrent_published_tracks": 170 if room_type == "group" else 0,
    }


class TwilioError(Exception):
    """A refusal, rendered as Twilio's error body with this status and code."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(what: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {what} was not found")


class Clock:
    """Real UTC time plus an offset that tests may advance."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Participant:
    sid: str
    room_sid: str
    identity: str
    start_time: datetime
    status: str = "connected"
    end_time: datetime | None = None
    date_updated: datetime | None = None

    def duration(self) -> int | None:
        if self.end_time is None:
            return None
        return int((self.end_time - self.start_time).total_seconds())


@dataclass
class Room:
    sid: str
    unique_name: str
    date_created: datetime
    settings: dict  # snake_case room properties fixed at creation
    status: str = "in-progress"
    end_time: datetime | None = None
    date_updated: datetime | None = None
    participants: list[Participant] = field(default_factory=list)
    empty_since: datetime | None = None  # set when the last participant left
    sequence: int = 0

    def connected(self) -> list[Participant]:
        return [p for p in self.participants if p.status == "connected"]

    def duration(self) -> int | None:
        if self.end_time is None:
            return None
        return int((self.end_time - self.date_created).total_seconds())


@dataclass(frozen=True)
class Event:
    """One status callback to send: the room's state when it happened."""

    name: str
    room: Room
    participant: Participant | None
    sequence: int
    timestamp: datetime
    room_status: str
    room_duration: int | None
    participant_status: str | None
    participant_duration: int | None


class VideoState:
    """All rooms of one account. Every method takes the lock itself."""

    def __init__(self, account_sid: str, emit: Callable[[Event], None], clock=None):
        self.account_sid = account_sid
        self.emit = emit
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.rooms: list[Room] = []

    def _event(self, room: Room, name: str, participant=None) -> None:
        self.emit(
            Event(
                name=name,
                room=room,
                participant=participant,
                sequence=room.sequence,
                timestamp=self.clock.now(),
                room_status=room.status,
                room_duration=room.duration(),
                participant_status=participant and participant.status,
                participant_duration=participant and participant.duration(),
            )
        )
        room.sequence += 1

    def in_progress(self, unique_name: str) -> Room | None:
        with self.lock:
            for room in self.rooms:
                if room.status == "in-progress" and room.unique_name == unique_name:
                    return room
            return None

    def create_room(self, settings: dict, unique_name: str | None = None) -> Room:
        """Create an in-progress room; `settings` are already validated."""
        with self.lock:
            self.expire()
            if unique_name and self.in_progress(unique_name):
                raise TwilioError(400, 53113, "Room exists")
            now, sid = self.clock.now(), new_sid("RM")
            room = Room(sid, unique_name or sid, now, settings, date_updated=now)
            self.rooms.append(room)
            self._event(room, "room-created")
            return room

    def find_room(self, sid_or_name: str) -> Room:
        """A room by SID (any status) or by unique name (in-progress only)."""
        with self.lock:
            self.expire()
            for room in self.rooms:
                if room.sid == sid_or_name:
                    return room
            room = self.in_progress(sid_or_name)
            if room is None:
                raise not_found(f"/v1/Rooms/{sid_or_name}")
            return room

    def list_rooms(self, status=None, unique_name=None) -> list[Room]:
        with self.lock:
            self.expire()
            rooms = [
                r
                for r in reversed(self.rooms)
                if (status is None or r.status == status)
                and (unique_name is None or r.unique_name == unique_name)
            ]
            return rooms

    def complete_room(self, room: Room) -> None:
        """End the room: every participant disconnected, then room-ended."""
        with self.lock:
            if room.status != "in-progress":
                raise TwilioError(400, 53112, "Status is invalid")
            for participant in room.connected():
                self._disconnect(room, participant)
            now = self.clock.now()
            room.status, room.end_time, room.date_updated = "completed", now, now
            self._event(room, "room-ended")

    def find_participant(self, room: Room, sid_or_identity: str) -> Participant:
        """A participant by SID, or a connected one by identity."""
        with self.lock:
            for participant in room.participants:
                if participant.sid == sid_or_identity:
                    return participant
            for participant in room.connected():
                if participant.identity == sid_or_identity:
                    return participant
            raise not_found(f"/v1/Rooms/{room.sid}/Participants/{sid_or_identity}")

    def join(self, room_name: str, identity: str) -> Participant:
        """Connect a client, as the Video SDK does with an access token.

        An unknown name creates a room on the spot (ad-hoc room, group, no
        status callback), as Twilio does when client-side room creation is on.
        """
        with self.lock:
            self.expire()
            room = self._joinable(room_name)
            for old in room.connected():
                if old.identity == identity:  # 53205: the newer connection wins
                    self._disconnect(room, old)
            if len(room.connected()) >= room.settings["max_participants"]:
                raise TwilioError(400, 53105, "Room contains too many Participants")
            now = self.clock.now()
            participant = Participant(
                new_sid("PA"), room.sid, identity, now, date_updated=now
            )
            room.participants.append(participant)
            room.empty_since = None
            self._event(room, "participant-connected", participant)
            return participant

    def _joinable(self, room_name: str) -> Room:
        for room in self.rooms:
            if room.sid == room_name and room.status == "in-progress":
                return room
        room = self.in_progress(room_name)
        if room is None:
            room = self.create_room(default_settings(), unique_name=room_name)
        return room

    def disconnect(self, room: Room, participant: Participant) -> None:
        """Disconnect a participant (REST update, or the client leaving)."""
        with self.lock:
            if participant.status == "connected":
                self._disconnect(room, participant)

    def _disconnect(self, room: Room, participant: Participant) -> None:
        now = self.clock.now()
        participant.status, participant.end_time = "disconnected", now
        participant.date_updated = room.date_updated = now
        if not room.connected():
            room.empty_since = now
        self._event(room, "participant-disconnected", participant)

    def expire(self) -> None:
        """Apply what time did: participant duration and room timeouts."""
        with self.lock:
            now = self.clock.now()
            for room in self.rooms:
                if room.status != "in-progress":
                    continue
                limit = timedelta(seconds=room.settings["max_participant_duration"])
                for participant in room.connected():
                    if now - participant.start_time >= limit:
                        self._disconnect(room, participant)
                if self._timed_out(room, now):
                    self.complete_room(room)

    @staticmethod
    def _timed_out(room: Room, now: datetime) -> bool:
        if room.connected():
            return False
        if not room.participants:
            minutes = room.settings["unused_room_timeout"]
            return now - room.date_created >= timedelta(minutes=minutes)
        minutes = room.settings["empty_room_timeout"]
        return now - room.empty_since >= timedelta(minutes=minutes)
