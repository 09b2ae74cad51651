"""The room a token names, live on Twilio before the token is signed.

Only for a room staff manage with no in-progress Twilio room known (the
subject's query says so: a room known live costs nothing here), and only
when rooms are enforced. The /token waits at most TWILIO_ROOM_CREATE_WAIT
seconds; a Twilio that fails, does not answer or refuses is
`503 twilio_unavailable`, recorded like every refusal.
"""

import logging
from datetime import datetime

from tokens import errors
from tokens.credentials import TwilioCredentials
from tokens.models import Room
from tokens.twilio import rest
from tokens.twilio.conf import room_create_options, rooms_enforced
from tokens.twilio.rooms import ensure_live

logger = logging.getLogger(__name__)


def make_live(
    name: str | None, *, credentials: TwilioCredentials, now: datetime
) -> None:
    """Create (or adopt) the managed room `name` on Twilio, within the wait."""
    if not name or not rooms_enforced():
        return
    room = Room.objects.filter(name=name).first()
    if room is None:  # deleted since the subject was read: nothing to create
        return
    client = rest.make_client(credentials, room_create_options())
    try:
        ensure_live(room, client=client, now=now)
    except rest.TwilioRefused as refused:
        # Retrying will not help this request; the operator must look.
        logger.error("twilio refused a room for /token: %s", refused)
        raise errors.TwilioUnavailable(retry_after=errors.RETRY_AFTER_SECONDS) from None
