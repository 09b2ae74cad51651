"""POST /webhooks/twilio/video: Twilio's signed Video status callbacks.

The one CSRF-exempt view of the project (scripts/security_lint.py knows it
by module and name): Twilio cannot hold a CSRF token, and the signature
proves the sender instead. Every refusal is the JSON envelope and writes
nothing. Only 2xx stops Twilio retrying, so what is well signed but not for
us (another account, an unmanaged room, an event we do not follow) is 200.
"""

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tokens.errors import (
    RETRY_AFTER_SECONDS,
    DatabaseUnavailable,
)
from tokens.twilio import recording
from tokens.twilio.conf import WebhookConfig, webhook_config
from tokens.twilio.signed import refusal, refuse_unsigned
from tokens.twilio.webhooks import BadCallback, parse_callback

logger = logging.getLogger(__name__)


def _handle(request: HttpRequest, config: WebhookConfig) -> JsonResponse:
    try:
        callback = parse_callback(request.POST, now=timezone.now())
    except BadCallback as bad:
        body = {
            "detail": str(bad),
            "code": "invalid",
            "fields": {bad.field: [bad.message]},
        }
        return JsonResponse(body, status=400)
    ours = not config.account_sid or callback.account_sid == config.account_sid
    room = recording.managed_room(callback) if ours and callback.is_known else None
    if room is None:
        return JsonResponse({"status": "ignored"})
    recording.record(callback, room)
    return JsonResponse({"status": "recorded"})


@csrf_exempt
def video_status(request: HttpRequest) -> JsonResponse:
    refused = refuse_unsigned(request, "video")
    if refused is not None:
        return refused
    config = webhook_config()
    try:
        return _handle(request, config)
    except DatabaseError as error:
        # Twilio retries a 503; the transaction was rolled back.
        logger.error("twilio webhook: database error: %s", type(error).__name__)
        retry = str(RETRY_AFTER_SECONDS)  # as every other 503
        return refusal(DatabaseUnavailable(), **{"Retry-After": retry})
