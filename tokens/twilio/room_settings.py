"""What a server may fix when it creates a Twilio Video room, as fields of
`Room` (an abstract base, so tokens/models.py stays one table) and as the
value the REST client sends (`RoomSettings`).

Only what Twilio's Rooms API accepts at creation (`POST /v1/Rooms`, see
tests/standins/twilio_oai/), with Twilio's documented ranges; empty fields
leave Twilio's default.
"""

from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ROOM_TYPES = [
    ("group", "group"),
    ("group-small", "group-small (deprecated by Twilio)"),
    ("peer-to-peer", "peer-to-peer (deprecated by Twilio)"),
    ("go", "go (deprecated by Twilio)"),
]


@dataclass(frozen=True)
class RoomSettings:
    """What a server may fix when it creates a room (None: Twilio's default)."""

    type: str = "group"
    max_participants: int | None = None
    max_participant_duration: int | None = None  # seconds, 600..86400
    empty_room_timeout: int | None = None  # minutes, 1..60
    unused_room_timeout: int | None = None  # minutes, 1..60
    record_participants_on_connect: bool | None = None


def _bounded(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class TwilioRoomFields(models.Model):
    twilio_type = models.CharField(
        "room type",
        max_length=16,
        choices=ROOM_TYPES,
        default="group",
        help_text="Fixed when the server creates the room on Twilio.",
    )
    max_participants = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_bounded(1, 50),
        help_text="At most this many connected at once (1 to 50); empty: Twilio's.",
    )
    max_participant_duration = models.PositiveIntegerField(
        "maximum participant duration (seconds)",
        null=True,
        blank=True,
        validators=_bounded(600, 86400),
        help_text="Twilio disconnects a participant after this long "
        "(600 to 86400); empty: Twilio's 4 hours.",
    )
    empty_room_timeout = models.PositiveSmallIntegerField(
        "empty room timeout (minutes)",
        null=True,
        blank=True,
        validators=_bounded(1, 60),
        help_text="The room ends this long after the last participant leaves.",
    )
    unused_room_timeout = models.PositiveSmallIntegerField(
        "unused room timeout (minutes)",
        null=True,
        blank=True,
        validators=_bounded(1, 60),
        help_text="The room ends this long after creation if nobody joins.",
    )
    record_participants_on_connect = models.BooleanField(
        default=False, help_text="Record every participant from their connect."
    )

    class Meta:
        abstract = True

    def twilio_settings(self) -> RoomSettings:
        return RoomSettings(
            type=self.twilio_type,
            max_participants=self.max_participants,
            max_participant_duration=self.max_participant_duration,
            empty_room_timeout=self.empty_room_timeout,
            unused_room_timeout=self.unused_room_timeout,
            record_participants_on_connect=self.record_participants_on_connect,
        )
