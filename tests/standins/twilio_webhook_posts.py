"""Signed status callbacks for the webhook tests, as Twilio would post them."""

from urllib.parse import urlencode

from django.test import Client
from twilio.request_validator import RequestValidator

from tokens.models import ParticipantSession, TwilioRoom

PATH = "/webhooks/twilio/video"
PUBLIC = "https://tokens.example.com"
ACCOUNT = "AC" + "a1" * 16  # the test settings' account
ROOM_SID, OTHER_ROOM_SID = "RM" + "1" * 32, "RM" + "3" * 32
ALICE_SID, BOB_SID = "PA" + "2" * 32, "PA" + "4" * 32


def event(name: str, at: str = "10:00:00", **fields: str) -> dict:
    params = {
        "AccountSid": ACCOUNT,
        "RoomSid": ROOM_SID,
        "RoomName": "standup",
        "RoomStatus": "in-progress",
        "RoomType": "group",
        "StatusCallbackEvent": name,
        "Timestamp": f"2026-03-02T{at}.000Z",
        "SequenceNumber": "0",
    }
    return {**params, **fields}


def joined(sid=ALICE_SID, identity="alice", at="10:00:00", **fields):
    return event(
        "participant-connected",
        at,
        ParticipantSid=sid,
        ParticipantIdentity=identity,
        ParticipantStatus="connected",
        **fields,
    )


def left(sid=ALICE_SID, identity="alice", at="10:05:00", duration="300", **fields):
    return event(
        "participant-disconnected",
        at,
        ParticipantSid=sid,
        ParticipantIdentity=identity,
        ParticipantStatus="disconnected",
        ParticipantDuration=duration,
        **fields,
    )


def post(params, *, token, url=PUBLIC + PATH, signature=None, body=None, client=None):
    signature = signature or RequestValidator(token).compute_signature(url, params)
    return (client or Client()).post(
        PATH + url.partition(PATH)[2],
        data=body if body is not None else urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def send(tokens, *events):
    for params in events:
        response = post(params, token=tokens[0])
        assert response.status_code == 200, response.content
    return response


def nothing_written() -> bool:
    return not TwilioRoom.objects.exists() and not ParticipantSession.objects.exists()


def snapshot():
    rooms = list(TwilioRoom.objects.values())
    sessions = list(ParticipantSession.objects.values())
    return rooms, sessions
