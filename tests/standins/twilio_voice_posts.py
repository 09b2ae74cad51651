"""Signed voice webhook posts, as Twilio sends them, and their TwiML read back."""

from urllib.parse import urlencode
from xml.etree import ElementTree

from django.conf import settings
from django.http import QueryDict
from django.test import Client
from twilio.request_validator import RequestValidator

OUTGOING = "/webhooks/twilio/voice"
INCOMING = "/webhooks/twilio/voice/incoming"
STATUS = "/webhooks/twilio/voice/status"
PUBLIC = "https://tokens.example.com"
ACCOUNT = "AC" + "a1" * 16
CALL_SID = "CA" + "7" * 32


def call(to: str, caller: str = "client:alice", **fields: str) -> dict:
    """What Twilio posts to the Voice URL when `caller`'s app connects."""
    return {
        "AccountSid": ACCOUNT,
        "ApplicationSid": "AP" + "e5" * 16,
        "CallSid": CALL_SID,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "From": caller,
        "Caller": caller,
        "To": to,
        "ApiVersion": "2010-04-01",
        **fields,
    }


def incoming(caller: str = "+14155550100", **fields: str) -> dict:
    return call("+15005550006", caller, **fields)


def dial_ended(status="completed", duration="42", **fields: str) -> dict:
    """What Twilio posts to <Dial action> when the dialled leg ends."""
    return {
        **call("dave", "client:erin"),
        "CallStatus": "in-progress",
        "DialCallStatus": status,
        "DialCallDuration": duration,
        "DialCallSid": "CA" + "8" * 32,
        **fields,
    }


def post(
    params,
    *,
    path=OUTGOING,
    url=None,
    token=None,
    signature=None,
    body=None,
    client=None,
):
    url = url or PUBLIC + path
    token = token or settings.TWILIO_AUTH_TOKEN
    encoded = urlencode(params, doseq=True)  # a list value: the field repeated
    form = QueryDict(encoded)
    signature = signature or RequestValidator(token).compute_signature(url, form)
    return (client or Client()).post(
        path,
        data=body if body is not None else encoded,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def twiml(response) -> ElementTree.Element:
    """The <Response> root of a TwiML answer; fails unless it is one."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314  (our own answer)
    assert root.tag == "Response"
    return root


def shape(root: ElementTree.Element) -> list:
    """Each verb as (tag, attributes, text or nouns), for exact comparison."""
    return [
        (
            verb.tag,
            dict(verb.attrib),
            [(noun.tag, noun.text) for noun in verb] if len(verb) else verb.text,
        )
        for verb in root
    ]
