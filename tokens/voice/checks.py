"""System checks for the voice settings: what each missing one turns off."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Tags, Warning, register

from tokens.voice.policy import is_e164

NUMBERS_OFF = (
    "Without it, POST /webhooks/twilio/voice dials no phone number "
    "(refusal numbers_not_configured); calls between apps work."
)
INCOMING_OFF = (
    "Without it, POST /webhooks/twilio/voice/incoming rings nobody and says "
    "that nobody can take the call, unless staff choose the answering group "
    "in the admin (Incoming calls)."
)


@register(Tags.security)
def voice_settings(app_configs=None, **kwargs):
    messages: list[CheckMessage] = []
    caller_id = settings.TWILIO_CALLER_ID
    if caller_id and not is_e164(caller_id):
        level = Warning if settings.DEBUG else Error
        messages.append(
            level(
                "TWILIO_CALLER_ID is malformed: expected an E.164 number of the "
                "account, such as +14155550100.",
                hint=NUMBERS_OFF,
                id="tokens.E050" if level is Error else "tokens.W050",
            )
        )
    if not caller_id:
        messages.append(
            Info("TWILIO_CALLER_ID is not set.", hint=NUMBERS_OFF, id="tokens.I050")
        )
    if not settings.TWILIO_INCOMING_CALL_GROUP:
        messages.append(
            Info(
                "TWILIO_INCOMING_CALL_GROUP is not set.",
                hint=INCOMING_OFF,
                id="tokens.I051",
            )
        )
    return messages
