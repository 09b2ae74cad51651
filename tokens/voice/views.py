"""POST /webhooks/twilio/voice, /voice/incoming and /voice/status: Twilio's
signed voice webhooks.

CSRF-exempt like the video webhook, and for the same reason: Twilio holds no
CSRF token and the signature proves the sender (scripts/security_lint.py
knows these three by module and name). An unsigned or tampered request gets
the JSON envelope (403) and writes nothing; a signed one always gets TwiML,
a refusal being a short <Say> and a <Hangup> with its code in the audit log.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from tokens.errors import (
    DatabaseUnavailable,
    json_error,
    with_retry_after,
)
from tokens.metrics import record as metrics
from tokens.models import CallDecision
from tokens.twilio.signed import refuse_unsigned
from tokens.voice import parties, policy, records, twiml
from tokens.voice.params import (
    Target,
    call_sid,
    caller_identity,
    phone_caller,
    target,
)

logger = logging.getLogger(__name__)


def _status_url() -> str:
    return settings.TOKENSERVER_PUBLIC_URL + reverse("twilio-voice-status")


def _answer(xml: str) -> HttpResponse:
    return HttpResponse(xml, content_type="text/xml; charset=utf-8")


def _record(request: HttpRequest, direction: str, **fields) -> None:
    metrics.twiml(direction, fields["outcome"], fields["code"])
    CallDecision.objects.create(
        direction=direction, call_sid=call_sid(request.POST), **fields
    )


def _route(caller, callee_target: Target | None, found: dict) -> tuple[str, str, str]:
    """(code, TwiML, dialled): code "" when the call is dialled."""
    refused = policy.refuse_caller(caller)
    if refused:
        return refused, twiml.refusal(refused), ""
    if callee_target is None:
        return policy.INVALID_DESTINATION, twiml.refusal(policy.INVALID_DESTINATION), ""
    if callee_target.kind == "number":
        caller_id = settings.TWILIO_CALLER_ID
        refused = policy.refuse_number_call(
            caller,
            callee_target.value,
            caller_id_configured=policy.is_e164(caller_id),
        )
        if refused:
            return refused, twiml.refusal(refused), ""
        number = callee_target.value
        xml = twiml.dial_number(number, caller_id=caller_id, action=_status_url())
        return "", xml, number
    callee = found.get(callee_target.value, (None, None))[1]
    refused = policy.refuse_client_call(caller, callee)
    if refused:
        return refused, twiml.refusal(refused), ""
    xml = twiml.dial_clients([callee.identity], action=_status_url())
    return "", xml, callee.identity


@csrf_exempt
def voice_outgoing(request: HttpRequest) -> HttpResponse:
    """The TwiML application's Voice URL: route a call an app places."""
    refused = refuse_unsigned(request, "voice")
    if refused is not None:
        return refused
    identity = caller_identity(request.POST)
    wanted = target(request.POST)
    names = [name for name in (identity, wanted and wanted.value) if name]
    found = parties.load(*names) if names else {}
    user, caller = found.get(identity or "", (None, None))
    code, xml, dialled = _route(caller, wanted, found)
    _record(
        request,
        CallDecision.OUTGOING,
        user=user,
        caller=identity or "",
        destination=wanted.value if wanted else "",
        outcome=CallDecision.REFUSED if code else CallDecision.DIALLED,
        code=code,
        dialled=dialled,
    )
    return _answer(xml)


@csrf_exempt
def voice_incoming(request: HttpRequest) -> HttpResponse:
    """The number's Voice URL: ring the answering group's available members."""
    refused = refuse_unsigned(request, "voice")
    if refused is not None:
        return refused
    chosen = parties.answering_group()
    found = (
        parties.answering(chosen.group, limit=parties.RING_LIMIT)
        if chosen.group is not None
        else None
    )
    code = ""
    if found is None:
        code = "group_not_configured"
    elif not found:
        code = "nobody_available"
    _record(
        request,
        CallDecision.INCOMING,
        caller=phone_caller(request.POST),
        destination=chosen.name[:130],
        outcome=CallDecision.REFUSED if code else CallDecision.DIALLED,
        code=code,
        dialled=",".join(found or []),
    )
    if code:
        return _answer(twiml.refusal(code))
    return _answer(twiml.dial_clients(found or [], action=_status_url()))


@csrf_exempt
def voice_status(request: HttpRequest) -> HttpResponse:
    """The <Dial action>: record how the dialled call ended, once per call."""
    refused = refuse_unsigned(request, "voice")
    if refused is not None:
        return refused
    try:
        end = records.parse_dial_end(request.POST)
    except records.BadDialEnd as bad:
        body = {
            "detail": str(bad),
            "code": "invalid",
            "fields": {bad.field: [bad.message]},
        }
        return JsonResponse(body, status=400)
    try:
        records.record(end)
    except DatabaseError as error:
        # Twilio retries a 503; only the error's type is logged, never the
        # driver's text.
        logger.error("twilio voice status: database error: %s", type(error).__name__)
        unavailable = DatabaseUnavailable()
        return with_retry_after(
            json_error(503, unavailable.default_code, str(unavailable.default_detail))
        )
    return _answer(twiml.hang_up())
