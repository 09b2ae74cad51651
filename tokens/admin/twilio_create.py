"""The Room admin's Twilio side: the "On Twilio" fieldset, with each
setting's range taken from its validators, and "Create on Twilio now"."""

from typing import cast

from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tokens.credentials import current_credentials
from tokens.errors import TwilioUnavailable
from tokens.models import Room
from tokens.twilio import rest
from tokens.twilio.conf import room_create_options, rooms_enforced
from tokens.twilio.rooms import ensure_live, known_live

TWILIO_FIELDS = [
    "twilio_type",
    "max_participants",
    "max_participant_duration",
    "empty_room_timeout",
    "unused_room_timeout",
    "record_participants_on_connect",
]
NOT_ENFORCED = (
    "Rooms are not enforced here (TWILIO_AUTH_TOKEN and TOKENSERVER_PUBLIC_URL "
    "must both be set): nothing was created on Twilio."
)


def ranges() -> str:
    """'max participants 1 to 50, ...', from the model fields' validators."""
    found = []
    for name in TWILIO_FIELDS:
        field = cast(models.Field, Room._meta.get_field(name))
        bounds = limits(field)
        if bounds:
            found.append(f"{field.verbose_name} {bounds['min']} to {bounds['max']}")
    return "; ".join(found)


def limits(db_field) -> dict[str, int]:
    """The browser's min and max for a field, from its validators."""
    attrs = {}
    for validator in db_field.validators:
        if type(validator) is MinValueValidator:
            attrs["min"] = validator.limit_value
        elif type(validator) is MaxValueValidator:
            attrs["max"] = validator.limit_value
    return attrs


def twilio_fieldset() -> tuple:
    description = (
        "What Twilio fixes when this server creates the room (at the first "
        "token that needs it, or with “Create on Twilio now”); a change "
        "applies to the next Twilio room of this name, not to one in "
        f"progress. Ranges: {ranges()}. Empty: Twilio's default."
    )
    return ("On Twilio", {"fields": TWILIO_FIELDS, "description": description})


@admin.action(description="Create on Twilio now", permissions=["change"])
def create_on_twilio(modeladmin, request, queryset):
    if not rooms_enforced():
        modeladmin.message_user(request, NOT_ENFORCED, messages.WARNING)
        return
    missing = current_credentials().missing_core
    if missing:  # else each room's request goes to Twilio unsigned: a 401
        modeladmin.message_user(
            request,
            f"Twilio is not configured ({', '.join(missing)} not set): "
            "nothing was created.",
            messages.WARNING,
        )
        return
    rooms = list(queryset.order_by("name"))
    for index, room in enumerate(rooms):
        if not _create(modeladmin, request, room):
            untried = ", ".join(r.name for r in rooms[index + 1 :])
            if untried:
                modeladmin.message_user(
                    request, f"Not tried (Twilio is down): {untried}.", messages.ERROR
                )
            return


def _create(modeladmin, request, room: Room) -> bool:
    """Report one room; False: Twilio does not answer, stop asking it."""
    if not room.active:
        modeladmin.message_user(
            request, f"{room.name}: inactive, not created.", messages.WARNING
        )
        return True
    known = known_live(room)
    try:
        # Bounded like a /token's wait: staff wait too, and Twilio may hang.
        client = rest.make_client(current_credentials(), room_create_options())
        live = ensure_live(room, client=client)
    except TwilioUnavailable:
        modeladmin.message_user(
            request,
            f"{room.name}: Twilio did not answer; try again shortly.",
            messages.ERROR,
        )
        return False
    except rest.TwilioRefused as refused:
        modeladmin.message_user(request, f"{room.name}: {refused}.", messages.ERROR)
        return True
    if live is None:  # rooms stopped being enforced in between
        modeladmin.message_user(request, NOT_ENFORCED, messages.WARNING)
        return False
    said = "already live" if known is not None else "live"
    modeladmin.message_user(
        request, f"{room.name}: {said} on Twilio ({live.sid}).", messages.SUCCESS
    )
    return True
