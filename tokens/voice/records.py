"""The end of a dialled call, from Twilio's <Dial action> request, recorded once.

Parsing is pure (`parse_dial_end`); `record` writes the call's row from the
routing decision that dialled it, keyed by the call SID so a replay is a no-op.
"""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from tokens.models import CallDecision, CallRecord
from tokens.voice.params import CALL_SID

DURATION = re.compile(r"[0-9]{1,9}")


class BadDialEnd(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class DialEnd:
    call_sid: str
    outcome: str
    duration: int | None
    dial_call_sid: str


def _field(form, name: str, pattern: re.Pattern, *, required: bool) -> str:
    values = form.getlist(name)
    if len(values) > 1:
        raise BadDialEnd(name, "given more than once.")
    value = values[0] if values else ""
    if not value:
        if required:
            raise BadDialEnd(name, "missing.")
        return ""
    if not pattern.fullmatch(value):
        raise BadDialEnd(name, "malformed.")
    return value


def parse_dial_end(form) -> DialEnd:
    outcomes = re.compile("|".join(re.escape(o) for o in CallRecord.OUTCOMES))
    duration = _field(form, "DialCallDuration", DURATION, required=False)
    return DialEnd(
        call_sid=_field(form, "CallSid", CALL_SID, required=True),
        outcome=_field(form, "DialCallStatus", outcomes, required=True),
        duration=int(duration) if duration else None,
        dial_call_sid=_field(form, "DialCallSid", CALL_SID, required=False),
    )


def record(end: DialEnd) -> bool:
    """Write the call's row once; False when no dialled call has this SID."""
    decision = (
        CallDecision.objects.filter(call_sid=end.call_sid, outcome=CallDecision.DIALLED)
        .order_by("created_at")
        .first()
    )
    if decision is None:
        return False
    try:
        with transaction.atomic():
            CallRecord.objects.get_or_create(
                call_sid=end.call_sid,
                defaults={
                    "direction": decision.direction,
                    "user_id": decision.user_id,
                    "caller": decision.caller,
                    "dialled": decision.dialled,
                    "outcome": end.outcome,
                    "duration": end.duration,
                    "dial_call_sid": end.dial_call_sid,
                    "started_at": decision.created_at,
                    "ended_at": timezone.now(),
                },
            )
    except IntegrityError:
        pass  # the same request, concurrently: its twin wrote the row
    return True
