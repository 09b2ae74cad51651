"""POST /webhooks/twilio/video with RequestValidator-signed posts: hostile input
gets the JSON envelope and writes nothing; events are recorded idempotently
and in any order."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import Client
from twilio.request_validator import RequestValidator

from tokens.models import ParticipantSession, Room, TwilioRoom

PATH = "/webhooks/twilio/video"
PUBLIC = "https://tokens.example.com"
ACCOUNT = "AC" + "a1" * 16  # the test settings' account
ROOM_SID, OTHER_ROOM_SID = "RM" + "1" * 32, "RM" + "3" * 32
ALICE_SID, BOB_SID = "PA" + "2" * 32, "PA" + "4" * 32


@pytest.fixture
def tokens(settings):
    return settings.TWILIO_AUTH_TOKEN, settings.TWILIO_AUTH_TOKEN_SECONDARY


@pytest.fixture
def standup(db):
    return Room.objects.create(name="standup")


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


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["missing", "wrong-token", "another-url", "modified-body", "real-host"]
)
def test_a_request_twilio_did_not_sign_is_refused_and_writes_nothing(
    tokens, standup, kind
):
    params = joined()
    signer = RequestValidator(tokens[0])
    signatures = {
        "missing": "",
        "wrong-token": RequestValidator("wrong-token-0123456789").compute_signature(
            PUBLIC + PATH, params
        ),
        "another-url": signer.compute_signature(
            "https://other.example.com" + PATH, params
        ),
        "modified-body": signer.compute_signature(
            PUBLIC + PATH, {**params, "ParticipantIdentity": "bob"}
        ),
        # What the app sees behind a TLS-terminating proxy is not what Twilio signed.
        "real-host": signer.compute_signature("http://testserver" + PATH, params),
    }
    response = Client().post(
        PATH,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        **({"HTTP_X_TWILIO_SIGNATURE": signatures[kind]} if signatures[kind] else {}),
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "The X-Twilio-Signature header is missing or wrong.",
        "code": "invalid_signature",
    }
    assert nothing_written()


def test_a_signature_for_another_query_string_is_refused(tokens, standup):
    url = PUBLIC + PATH + "?tenant=a"
    signature = RequestValidator(tokens[0]).compute_signature(
        PUBLIC + PATH + "?tenant=b", joined()
    )

    assert (
        post(joined(), token=tokens[0], url=url, signature=signature).status_code == 403
    )
    assert nothing_written()


def test_a_query_string_is_part_of_what_is_signed(tokens, standup):
    response = post(joined(), token=tokens[0], url=PUBLIC + PATH + "?tenant=a")

    assert response.json() == {"status": "recorded"}


def test_the_secondary_auth_token_is_accepted_during_a_rotation(tokens, standup):
    assert post(joined(), token=tokens[1]).json() == {"status": "recorded"}


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "TOKENSERVER_PUBLIC_URL"])
def test_without_its_settings_the_webhook_says_it_is_not_configured(
    settings, tokens, standup, missing
):
    setattr(settings, missing, "")
    settings.TWILIO_AUTH_TOKEN_SECONDARY = ""

    response = post(joined(), token=tokens[0])

    assert response.status_code == 503
    assert response.json()["code"] == "webhooks_not_configured"
    assert response["Retry-After"] == "300"
    assert tokens[0] not in response.content.decode()
    assert nothing_written()


def test_a_malformed_auth_token_is_not_used_to_validate(settings, standup):
    settings.TWILIO_AUTH_TOKEN = "short"
    settings.TWILIO_AUTH_TOKEN_SECONDARY = ""

    assert post(joined(), token="short").status_code == 503


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ParticipantIdentity": "a" * 257}, "ParticipantIdentity"),
        ({"ParticipantIdentity": "alice\r\nforged: yes"}, "ParticipantIdentity"),
        ({"RoomName": "standup\x1b[31m"}, "RoomName"),
        ({"ParticipantSid": "PA" + "2" * 31}, "ParticipantSid"),
        ({"Timestamp": "not a time"}, "Timestamp"),
    ],
)
def test_over_long_or_control_character_values_are_refused_400(
    tokens, standup, changes, field
):
    response = post({**joined(), **changes}, token=tokens[0])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert nothing_written()


def test_a_repeated_field_is_refused_even_when_signed(tokens, standup):
    params = joined()
    body = urlencode(params) + "&ParticipantIdentity=bob"
    signer = RequestValidator(tokens[0])
    signature = signer.compute_signature(PUBLIC + PATH, QueryDict(body))

    response = post(params, token=tokens[0], signature=signature, body=body)

    assert response.status_code == 400
    assert nothing_written()


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(joined(RoomName="elsewhere"), id="unknown-room"),
        pytest.param(joined(RoomName=ROOM_SID), id="ad-hoc-room-named-by-sid"),
        pytest.param(event("track-added"), id="unknown-event"),
        pytest.param(event("recording-started"), id="another-unknown-event"),
        pytest.param(joined(AccountSid="AC" + "9" * 32), id="another-account"),
    ],
)
def test_what_is_signed_but_not_ours_is_200_and_ignored(tokens, standup, params):
    response = post(params, token=tokens[0])

    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert nothing_written()


def test_other_methods_are_refused_with_the_envelope(db):
    response = Client().get(PATH)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"


def test_the_webhook_needs_no_csrf_token(tokens, standup):
    response = post(joined(), token=tokens[0], client=Client(enforce_csrf_checks=True))

    assert response.status_code == 200


# --- recording -----------------------------------------------------------------------


def test_a_connect_records_who_is_in_the_room_now(tokens, standup, alice):
    send(tokens, event("room-created", "09:59:00"), joined())

    twilio_room = TwilioRoom.objects.get()
    session = ParticipantSession.objects.get()
    assert (twilio_room.sid, twilio_room.room, twilio_room.status) == (
        ROOM_SID,
        standup,
        "in-progress",
    )
    assert twilio_room.created_at.isoformat() == "2026-03-02T09:59:00+00:00"
    assert (session.identity, session.user, session.disconnected_at) == (
        "alice",
        alice,
        None,
    )
    assert list(ParticipantSession.objects.connected()) == [session]


def test_a_session_ends_with_its_duration(tokens, standup):
    send(tokens, joined(), left())

    session = ParticipantSession.objects.get()
    assert session.duration == 300
    assert session.disconnected_at.isoformat() == "2026-03-02T10:05:00+00:00"
    assert not ParticipantSession.objects.connected().exists()


def test_an_identity_that_is_no_user_is_recorded_without_one(tokens, standup):
    send(tokens, joined(identity="stranger"))

    assert ParticipantSession.objects.get().user is None


def test_a_replayed_event_changes_nothing(tokens, standup):
    send(tokens, event("room-created", "09:59:00"), joined(), left())
    before = snapshot()

    send(tokens, joined(), left(), event("room-created", "09:59:00"))

    assert snapshot() == before


def test_a_disconnect_before_its_connect_leaves_no_ghost(tokens, standup):
    send(tokens, left(), joined())

    session = ParticipantSession.objects.get()
    assert session.disconnected_at.isoformat() == "2026-03-02T10:05:00+00:00"
    assert session.connected_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert session.duration == 300
    assert not ParticipantSession.objects.connected().exists()


def test_room_ended_closes_every_open_session(tokens, standup):
    send(
        tokens,
        joined(),
        joined(BOB_SID, "bob", "10:01:00"),
        event("room-ended", "10:10:00", RoomStatus="completed"),
    )

    twilio_room = TwilioRoom.objects.get()
    assert (twilio_room.status, twilio_room.is_live) == ("completed", False)
    assert twilio_room.ended_at.isoformat() == "2026-03-02T10:10:00+00:00"
    assert sorted(ParticipantSession.objects.values_list("duration", flat=True)) == [
        540,
        600,
    ]


def test_a_late_connect_in_an_ended_room_does_not_reopen_it(tokens, standup):
    send(
        tokens,
        event("room-ended", "10:10:00", RoomStatus="completed"),
        event("room-created", "09:59:00"),
        joined(),
    )

    assert TwilioRoom.objects.get().status == "completed"
    session = ParticipantSession.objects.get()
    assert session.disconnected_at.isoformat() == "2026-03-02T10:10:00+00:00"
    assert not ParticipantSession.objects.connected().exists()


def test_a_new_room_of_the_same_name_ends_the_old_one_whose_end_was_lost(
    tokens, standup
):
    send(
        tokens,
        joined(),
        event("room-created", "11:00:00", RoomSid=OTHER_ROOM_SID),
    )

    old, new = (TwilioRoom.objects.get(sid=s) for s in (ROOM_SID, OTHER_ROOM_SID))
    assert (old.status, new.status) == ("completed", "in-progress")
    assert not ParticipantSession.objects.connected().exists()


def test_events_of_a_deleted_room_keep_its_history(tokens, standup):
    send(tokens, joined())
    standup.delete()

    assert TwilioRoom.objects.get().room is None
    assert post(left(), token=tokens[0]).json() == {"status": "ignored"}
