"""System checks for the rooms settings: named, never printed, and what each
missing one turns off. Token issuing does not need any of them."""

import re

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Tags, Warning, register

from tokens.credentials import SECRET_FORMAT

AUTH_TOKENS = ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_SECONDARY")
WEBHOOKS_OFF = (
    "Without it, POST /webhooks/twilio/video answers 503 "
    "webhooks_not_configured and rooms are not followed after the token."
)


def _well_formed(value: str) -> bool:
    return re.fullmatch(SECRET_FORMAT[0], value) is not None


def usable_auth_tokens() -> tuple[str, ...]:
    """The configured auth tokens that are well formed, primary first."""
    values = (getattr(settings, name, "") for name in AUTH_TOKENS)
    return tuple(value for value in values if value and _well_formed(value))


@register(Tags.security)
def rooms_settings(app_configs=None, **kwargs):
    messages: list[CheckMessage] = []
    level = Warning if settings.DEBUG else Error
    for name in AUTH_TOKENS:
        value = getattr(settings, name, "")
        if value and not _well_formed(value):
            messages.append(
                level(
                    f"{name} is malformed: expected {SECRET_FORMAT[1]}.",
                    hint="It is ignored: signatures made with it are refused.",
                    id="tokens.E040" if level is Error else "tokens.W040",
                )
            )
    if not settings.TWILIO_AUTH_TOKEN:
        messages.append(
            Info("TWILIO_AUTH_TOKEN is not set.", hint=WEBHOOKS_OFF, id="tokens.I040")
        )
    if not settings.TOKENSERVER_PUBLIC_URL:
        messages.append(
            Info(
                "TOKENSERVER_PUBLIC_URL is not set.",
                hint=WEBHOOKS_OFF,
                id="tokens.I041",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def rest_base_url(app_configs=None, **kwargs):
    """A base URL sends every Twilio REST request elsewhere: staging only."""
    if not settings.TWILIO_API_BASE_URL:
        return []
    return [
        Warning(
            "TWILIO_API_BASE_URL is set: Twilio REST requests go to that origin, "
            "not to Twilio.",
            hint="Unset it in production (it is for a staging stand-in).",
            id="tokens.W041",
        )
    ]


@register()
def enforcement(app_configs=None, **kwargs):
    """Whether `manage.py enforce_access` can run, and its timings agree."""
    from tokens.credentials import current_credentials
    from tokens.twilio.conf import enforcement_missing

    messages: list[CheckMessage] = []
    missing = enforcement_missing()
    # Missing and demo credentials have their own message (tokens/checks.py),
    # and turn off more than rooms.
    credentials = current_credentials()
    if missing and not (credentials.missing_core or credentials.demo):
        messages.append(
            Info(
                "Rooms are not enforced after the token: manage.py "
                "enforce_access exits at once.",
                hint="It needs " + ", ".join(missing) + ". Tokens are issued "
                "as before; participants stay until they leave.",
                id="tokens.I042",
            )
        )
    bound, held = settings.TOKENSERVER_EVICTION_BOUND, settings.TOKENSERVER_WORKER_LEASE
    if held < 2 * bound:
        messages.append(
            Error(
                "TOKENSERVER_WORKER_LEASE must be at least twice "
                "TOKENSERVER_EVICTION_BOUND.",
                hint="The worker renews its lease once a pass, and passes can be "
                "that far apart: a shorter lease lets a second worker act too.",
                id="tokens.E042",
            )
        )
    return messages
