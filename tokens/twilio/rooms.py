"""Make a managed Room live on Twilio: created by this server, with its
settings and its status callback, before a participant needs it.

`ensure_live` is the one entry: the /token flow calls it when a token names
a room with no in-progress Twilio room known, the enforcement worker when an
access window opens, staff with "Create on Twilio now". A room already known
in progress costs one query and no Twilio call; otherwise Twilio creates the
room, or answers 53113 and the in-progress room of that name is adopted
(tokens/twilio/rest.py). Its TwilioRoom row is written as a `room-created`
callback would write it (tokens/twilio/recording.py), under the same unique
constraints, so whichever of the two comes first, there is one row a SID
and one in-progress row a name.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from twilio.rest import Client

from tokens.credentials import current_credentials
from tokens.models import Room
from tokens.twilio import rest
from tokens.twilio.conf import rest_options, rooms_enforced, status_callback_url
from tokens.twilio.models import IN_PROGRESS, TwilioRoom
from tokens.twilio.recording import end_room


def known_live(room: Room) -> TwilioRoom | None:
    """The in-progress Twilio room known for the Room's name, if any."""
    return TwilioRoom.objects.filter(unique_name=room.name, status=IN_PROGRESS).first()


def ensure_live(
    room: Room, *, client: Client | None = None, now: datetime | None = None
) -> TwilioRoom | None:
    """The room's in-progress Twilio room, created on Twilio when none is known.

    None, and nothing asked of Twilio, when rooms are not enforced (no
    TWILIO_AUTH_TOKEN or TOKENSERVER_PUBLIC_URL: nobody would hear the
    room's callbacks). Raises TwilioUnavailable when Twilio fails or does
    not answer in time, rest.TwilioRefused when it refuses.
    """
    if not rooms_enforced():
        return None
    known = known_live(room)
    if known is not None:
        return known
    if client is None:
        client = rest.make_client(current_credentials(), rest_options())
    info = rest.create_room(
        client,
        name=room.name,
        settings=room.twilio_settings(),
        status_callback=status_callback_url(),
    )
    return record_live(room, info, now=now or timezone.now())


def record_live(room: Room, info: rest.RoomInfo, *, now: datetime) -> TwilioRoom:
    """Write (or find) the row of the in-progress room Twilio answered with."""
    try:
        with transaction.atomic():
            return _record(room, info, now=now)
    except IntegrityError:
        # A room-created callback wrote the row in between: it is the same room.
        raced = TwilioRoom.objects.filter(sid=info.sid).first()
        return raced or TwilioRoom.objects.get(
            unique_name=info.unique_name, status=IN_PROGRESS
        )


def _record(room: Room, info: rest.RoomInfo, *, now: datetime) -> TwilioRoom:
    created_at = info.date_created or now
    found = TwilioRoom.objects.select_for_update().filter(sid=info.sid).first()
    if found is not None:
        if found.created_at is None:
            found.created_at = created_at
            found.save(update_fields=["created_at", "updated_at"])
        return found
    # Twilio has one in-progress room a name: this one, so any other row
    # still shown in progress ended (its room-ended callback was lost).
    stale = TwilioRoom.objects.select_for_update().filter(
        unique_name=info.unique_name, status=IN_PROGRESS
    )
    for old in stale.exclude(sid=info.sid):
        end_room(old, now)
    return TwilioRoom.objects.create(
        sid=info.sid,
        room=room,
        unique_name=info.unique_name,
        status=IN_PROGRESS,
        status_since=created_at,
        created_at=created_at,
    )
