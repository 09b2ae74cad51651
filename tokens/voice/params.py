"""What a voice webhook says: the caller and the destination, or nothing.

Pure. Twilio sends `From` as `client:<identity>` for a call placed by an
app, and `To` as the app's `params["To"]`: `client:<identity>`, a bare
identity or an E.164 number. Anything else (XML-looking text, control
characters, over-long values, a value given twice) is no destination at
all: the view refuses the call, it never dials what it cannot name.
"""

import re
from dataclasses import dataclass

from tokens.identity import IDENTITY_PATTERN
from tokens.voice.policy import E164

CLIENT = "client:"
_IDENTITY = re.compile(IDENTITY_PATTERN)
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
MAX_VALUE = 256


@dataclass(frozen=True)
class Target:
    kind: str  # "client" or "number"
    value: str


def _single(form, name: str) -> str:
    values = form.getlist(name)
    if len(values) != 1 or len(values[0]) > MAX_VALUE:
        return ""
    return values[0]


def caller_identity(form) -> str | None:
    """The identity of an app placing a call (`From=client:<identity>`)."""
    value = _single(form, "From")
    if not value.startswith(CLIENT):
        return None
    name = value[len(CLIENT) :]
    return name if _IDENTITY.fullmatch(name) else None


def target(form) -> Target | None:
    """Whom the app asked to call, or None when `To` names nobody."""
    value = _single(form, "To")
    if E164.fullmatch(value):
        return Target("number", value)
    name = value[len(CLIENT) :] if value.startswith(CLIENT) else value
    if _IDENTITY.fullmatch(name):
        return Target("client", name)
    return None


def call_sid(form) -> str:
    value = _single(form, "CallSid")
    return value if CALL_SID.fullmatch(value) else ""


def phone_caller(form) -> str:
    """The number calling the account's number, when it is one."""
    value = _single(form, "From")
    return value if E164.fullmatch(value) else ""
