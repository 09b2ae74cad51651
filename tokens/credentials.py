"""Twilio credentials: validation of the raw settings, and demo mode.

Values are never put in a message: problems name the variable only.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tokens.policy import Capabilities, Limits

# Variable -> (regex, what a valid value looks like). Secrets get no regex
# in a message, only a description.
SID_FORMATS: dict[str, tuple[str, str]] = {
    "TWILIO_ACCOUNT_SID": (r"AC[0-9a-f]{32}", "'AC' followed by 32 hex digits"),
    "TWILIO_API_KEY": (r"SK[0-9a-f]{32}", "'SK' followed by 32 hex digits"),
    "TWILIO_CONVERSATIONS_SERVICE_SID": (
        r"IS[0-9a-f]{32}",
        "'IS' followed by 32 hex digits",
    ),
    "TWILIO_SYNC_SERVICE_SID": (r"IS[0-9a-f]{32}", "'IS' followed by 32 hex digits"),
    "TWILIO_TWIML_APP_SID": (r"AP[0-9a-f]{32}", "'AP' followed by 32 hex digits"),
    "TWILIO_PUSH_CREDENTIAL_SID": (r"CR[0-9a-f]{32}", "'CR' followed by 32 hex digits"),
}
SECRET_FORMAT = (r"[!-~]{16,256}", "16 to 256 printable characters without spaces")
CORE = ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET")
# What each optional variable enables, for checks and the configuration page.
ENABLES = {
    "TWILIO_CONVERSATIONS_SERVICE_SID": "the chat (Conversations) grant",
    "TWILIO_SYNC_SERVICE_SID": "the sync grant",
    "TWILIO_TWIML_APP_SID": "outgoing calls in the voice grant",
    "TWILIO_PUSH_CREDENTIAL_SID": "iOS push for voice and chat",
}

DEMO_VALUES = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_API_KEY": "SK" + "0" * 32,
    "TWILIO_API_SECRET": "demo-secret-tokens-from-this-server-are-fake",
    "TWILIO_CONVERSATIONS_SERVICE_SID": "IS" + "0" * 31 + "1",
    "TWILIO_SYNC_SERVICE_SID": "IS" + "0" * 31 + "2",
    "TWILIO_TWIML_APP_SID": "AP" + "0" * 32,
}
DEMO_WARNING = (
    "DEMO MODE: tokens are signed with fake Twilio credentials and will not "
    "work with Twilio. Never use demo mode in production."
)


@dataclass(frozen=True)
class Problem:
    variable: str
    message: str
    optional: bool
    missing: bool = False


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str = ""
    api_key: str = ""
    api_secret: str = field(default="", repr=False)
    conversations_service_sid: str = ""
    sync_service_sid: str = ""
    twiml_app_sid: str = ""
    push_credential_sid: str = ""
    demo: bool = False
    missing_core: tuple[str, ...] = ()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            missing_core=self.missing_core,
            chat=bool(self.conversations_service_sid),
            sync=bool(self.sync_service_sid),
            voice_outgoing=bool(self.twiml_app_sid),
        )


def is_valid(variable: str, value: str) -> bool:
    pattern = (
        SECRET_FORMAT[0]
        if variable == "TWILIO_API_SECRET"
        else SID_FORMATS[variable][0]
    )
    return re.fullmatch(pattern, value) is not None


def describe(variable: str) -> str:
    if variable == "TWILIO_API_SECRET":
        return SECRET_FORMAT[1]
    return SID_FORMATS[variable][1]


def clean_values(raw: Mapping[str, tuple[str, str] | None]) -> dict[str, str]:
    """Map each canonical variable to its stripped value ('' when unset)."""
    return {name: (found[1].strip() if found else "") for name, found in raw.items()}


def find_problems(raw: Mapping[str, tuple[str, str] | None]) -> list[Problem]:
    """List every missing or malformed variable, naming it and never its value."""
    problems = []
    for variable, value in clean_values(raw).items():
        found = raw[variable]
        source = found[0] if found else variable
        optional = variable not in CORE
        if not value:
            problems.append(
                Problem(variable, f"{variable} is not set.", optional, missing=True)
            )
            continue
        if not is_valid(variable, value):
            message = f"{source} is malformed: expected {describe(variable)}."
            problems.append(Problem(variable, message, optional))
    return problems


def demo_allowed(
    raw: Mapping[str, tuple[str, str] | None], *, demo: bool, debug: bool
) -> bool:
    """Demo credentials apply only with DEBUG on and no Twilio variable set at all."""
    return demo and debug and not any(clean_values(raw).values())


def build_credentials(
    raw: Mapping[str, tuple[str, str] | None], *, demo: bool, debug: bool
) -> TwilioCredentials:
    """Turn the raw settings into credentials; malformed values count as missing."""
    if demo_allowed(raw, demo=demo, debug=debug):
        return _from_values(DEMO_VALUES, demo=True)
    values = {
        name: value
        for name, value in clean_values(raw).items()
        if value and is_valid(name, value)
    }
    return _from_values(values, demo=False)


def _from_values(values: Mapping[str, str], *, demo: bool) -> TwilioCredentials:
    return TwilioCredentials(
        account_sid=values.get("TWILIO_ACCOUNT_SID", ""),
        api_key=values.get("TWILIO_API_KEY", ""),
        api_secret=values.get("TWILIO_API_SECRET", ""),
        conversations_service_sid=values.get("TWILIO_CONVERSATIONS_SERVICE_SID", ""),
        sync_service_sid=values.get("TWILIO_SYNC_SERVICE_SID", ""),
        twiml_app_sid=values.get("TWILIO_TWIML_APP_SID", ""),
        push_credential_sid=values.get("TWILIO_PUSH_CREDENTIAL_SID", ""),
        demo=demo,
        missing_core=tuple(name for name in CORE if not values.get(name)),
    )


def current_credentials() -> TwilioCredentials:
    """Credentials from Django settings, read at call time."""
    from django.conf import settings

    return build_credentials(
        settings.TWILIO, demo=settings.TOKENSERVER_DEMO, debug=settings.DEBUG
    )


def current_limits() -> Limits:
    """Token lifetimes from Django settings, read at call time."""
    from django.conf import settings

    return Limits(
        default_ttl=settings.TOKENSERVER_DEFAULT_TTL,
        default_max_ttl=settings.TOKENSERVER_DEFAULT_MAX_TTL,
    )
