"""What every signed Twilio webhook refuses before it reads a field: another
method than POST (405), a server without TWILIO_AUTH_TOKEN or
TOKENSERVER_PUBLIC_URL (503 webhooks_not_configured, Retry-After 300: Twilio's
debugger shows it and Twilio retries) and a signature that is not Twilio's
for the public URL it called (403 invalid_signature). Shared by the video
webhook (tokens/twilio/views.py) and the voice ones (tokens/voice/views.py).
"""

import logging

from django.http import HttpRequest, JsonResponse

from tokens.errors import InvalidSignature, WebhooksNotConfigured, json_error
from tokens.metrics import record as metrics
from tokens.twilio.conf import WebhookConfig, webhook_config
from tokens.twilio.webhooks import signature_is_valid

logger = logging.getLogger(__name__)
NOT_CONFIGURED_RETRY_AFTER = "300"


def refusal(exc, **headers: str) -> JsonResponse:
    """The JSON envelope of a DRF-style exception, with these headers."""
    response = json_error(exc.status_code, exc.default_code, str(exc.default_detail))
    for name, value in headers.items():
        response[name] = value
    return response


def is_signed(request: HttpRequest, config: WebhookConfig) -> bool:
    # The URL Twilio signed: the public origin, whatever host or scheme a
    # TLS-terminating proxy forwarded to.
    return signature_is_valid(
        url=config.public_url + request.get_full_path(),
        params=request.POST,
        signature=request.headers.get("X-Twilio-Signature", ""),
        settings_header=request.headers.get("X-Twilio-Webhooks-Signature-Settings", ""),
        auth_tokens=config.auth_tokens,
    )


def refuse_unsigned(request: HttpRequest, webhook: str) -> JsonResponse | None:
    """The refusal of a request that is not a signed POST (None: go on)."""
    if request.method != "POST":
        response = json_error(405, "method_not_allowed", "Method not allowed.")
        response["Allow"] = "POST"
        return response
    config = webhook_config()
    if config.missing:
        metrics.webhook(webhook, "not_configured")
        retry = NOT_CONFIGURED_RETRY_AFTER
        return refusal(WebhooksNotConfigured(), **{"Retry-After": retry})
    signed = is_signed(request, config)
    metrics.webhook(webhook, "valid" if signed else "invalid")
    if not signed:
        logger.warning("twilio %s webhook: signature refused", webhook)
        return refusal(InvalidSignature())
    return None
