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
# (product, platform) -> the variable holding its push credential; unset,
# TWILIO_PUSH_CREDENTIAL_SID is the fallback.
PUSH_SUFFIXES = {"ios": "APNS", "ios-sandbox": "APNS_SANDBOX", "android": "FCM"}
PUSH_PRODUCTS = {"voice": "VOICE", "chat": "CONVERSATIONS"}
PUSH_VARIABLES = {
    (product, platform): f"TWILIO_{prefix}_PUSH_CREDENTIAL_SID_{suffix}"
    for product, prefix in PUSH_PRODUCTS.items()
    for platform, suffix in PUSH_SUFFIXES.items()
}
PUSH_PLATFORM_NAMES = {
    "ios": "iOS (APNs production)",
    "ios-sandbox": "iOS in development (APNs sandbox)",
    "android": "Android (FCM)",
}
SID_FORMATS.update(
    {
        name: (r"CR[0-9a-f]{32}", "'CR' followed by 32 hex digits")
        for name in PUSH_VARIABLES.values()
    }
)
SECRET_FORMAT = (r"[!-~]{16,256}", "16 to 256 printable characters without spaces")
CORE = ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET")
# What each optional variable enables, for checks and the configuration page.
ENABLES = {
    "TWILIO_CONVERSATIONS_SERVICE_SID": "the chat (Conversations) grant",
    "TWILIO_SYNC_SERVICE_SID": "the sync grant",
    "TWILIO_TWIML_APP_SID": "outgoing calls in the voice grant",
    "TWILIO_PUSH_CREDENTIAL_SID": "push for voice and chat on a platform "
    "without its own credential",
    **{
        name: f"{'voice' if product == 'voice' else 'chat'} push on "
        f"{PUSH_PLATFORM_NAMES[platform]}"
        for (product, platform), name in PUSH_VARIABLES.items()
    },
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
    # Variable name -> SID, for the per-platform push credentials that are set.
    platform_push: Mapping[str, str] = field(default_factory=dict)

    def push_credential_for(self, product: str, platform: str | None) -> str:
        """The push credential of `product` on `platform` ("": none).

        A platform's own credential, else TWILIO_PUSH_CREDENTIAL_SID; a device
        that did not say its platform gets the fallback, as before.
        """
        own = (
            self.platform_push.get(PUSH_VARIABLES[(product, platform)], "")
            if (platform in PUSH_SUFFIXES)
            else ""
        )
        return own or self.push_credential_sid

    def push_source(self, product: str, platform: str) -> str:
        """The variable whose credential `product` gets on `platform` ("": none)."""
        own = PUSH_VARIABLES[(product, platform)]
        if self.platform_push.get(own):
            return own
        return "TWILIO_PUSH_CREDENTIAL_SID" if self.push_credential_sid else ""

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            missing_core=self.missing_core,
            chat=bool(self.conversations_service_sid),
            sync=bool(self.sync_service_sid),
            voice_outgoing=bool(self.twiml_app_sid),
        )


def push_combination(product: str, platform: str) -> str:
    """How messages name a product on a platform: "voice on Android (FCM)"."""
    return f"{product} on {PUSH_PLATFORM_NAMES[platform]}"


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
        platform_push={
            name: values[name] for name in PUSH_VARIABLES.values() if values.get(name)
        },
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
