"""tokens/twilio/webhooks.py: signatures and callback parsing, no HTTP, no database."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict
from twilio.request_validator import RequestValidator

from tokens.twilio.webhooks import BadCallback, parse_callback, signature_is_valid

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
URL = "https://tokens.example.com/webhooks/twilio/video"
PRIMARY, SECONDARY = "primary-auth-token-0123", "secondary-auth-token-456"
ROOM_SID = "RM" + "1" * 32
PARTICIPANT_SID = "PA" + "2" * 32
BASE = {
    "AccountSid": "AC" + "a1" * 16,
    "RoomSid": ROOM_SID,
    "RoomName": "standup",
    "RoomStatus": "in-progress",
    "StatusCallbackEvent": "participant-disconnected",
    "Timestamp": "2026-03-02T09:59:00.250Z",
    "ParticipantSid": PARTICIPANT_SID,
    "ParticipantIdentity": "alice",
    "ParticipantDuration": "120",
}


def form(**changes: str | None) -> QueryDict:
    values = {**BASE, **changes}
    query = QueryDict(mutable=True)
    for name, value in values.items():
        if value is not None:
            query[name] = value
    return query


def signed(token: str, url: str = URL, params=None) -> str:
    return RequestValidator(token).compute_signature(url, params or dict(BASE))


# --- signatures ------------------------------------------------------------------


def check(signature: str, url: str = URL, params=None, header: str = "") -> bool:
    return signature_is_valid(
        url=url,
        params=params or form(),
        signature=signature,
        settings_header=header,
        auth_tokens=(PRIMARY, SECONDARY),
    )


def test_a_signature_by_either_auth_token_is_valid():
    assert check(signed(PRIMARY))
    assert check(signed(SECONDARY))


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("", id="missing"),
        pytest.param(signed("another-auth-token-789"), id="another-token"),
        pytest.param(
            signed(PRIMARY, "https://evil.example.com/webhooks/twilio/video"),
            id="another-url",
        ),
        pytest.param(signed(PRIMARY, URL + "?x=1"), id="another-query"),
        pytest.param("not base64 at all", id="garbage"),
    ],
)
def test_a_signature_that_does_not_match_is_refused(signature):
    assert not check(signature)


def test_a_modified_body_breaks_the_signature():
    assert not check(signed(PRIMARY), params=form(ParticipantIdentity="mallory"))


def test_no_auth_token_configured_validates_nothing():
    assert not signature_is_valid(
        url=URL,
        params=form(),
        signature=signed(PRIMARY),
        settings_header="",
        auth_tokens=(),
    )


def test_an_unknown_signature_algorithm_is_refused():
    assert not check(signed(PRIMARY), header="key=x,algorithm=HMAC_MD5")


# --- parsing ---------------------------------------------------------------------


def test_a_disconnect_is_parsed_with_when_it_started():
    callback = parse_callback(form(), now=NOW)

    assert callback.event == "participant-disconnected"
    assert callback.timestamp == datetime(2026, 3, 2, 9, 59, 0, 250000, tzinfo=UTC)
    assert callback.started_at == callback.timestamp - timedelta(seconds=120)
    assert (callback.participant_sid, callback.identity) == (PARTICIPANT_SID, "alice")


def test_a_disconnect_without_a_duration_has_no_known_start():
    assert parse_callback(form(ParticipantDuration=None), now=NOW).started_at is None


def test_a_missing_timestamp_is_the_time_it_arrived():
    assert parse_callback(form(Timestamp=None), now=NOW).timestamp == NOW


def test_an_event_we_do_not_follow_needs_no_participant_fields():
    callback = parse_callback(
        form(StatusCallbackEvent="track-added", ParticipantSid="x" * 999), now=NOW
    )

    assert not callback.is_known


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"RoomName": "x" * 257}, "RoomName"),
        ({"ParticipantIdentity": "alice\nINFO forged line"}, "ParticipantIdentity"),
        ({"ParticipantIdentity": "alice\u202e"}, "ParticipantIdentity"),
        ({"RoomName": "stand\x00up"}, "RoomName"),
        ({"ParticipantSid": "PA123"}, "ParticipantSid"),
        ({"RoomSid": "RM" + "G" * 32}, "RoomSid"),
        ({"AccountSid": None}, "AccountSid"),
        ({"StatusCallbackEvent": "Room Ended"}, "StatusCallbackEvent"),
        ({"StatusCallbackEvent": "x" * 300}, "StatusCallbackEvent"),
        ({"Timestamp": "yesterday"}, "Timestamp"),
        ({"Timestamp": "2026-03-02T09:59:00"}, "Timestamp"),
        ({"Timestamp": "2026-02-30T09:59:00Z"}, "Timestamp"),  # no such day
        ({"ParticipantDuration": "-5"}, "ParticipantDuration"),
        ({"ParticipantIdentity": None}, "ParticipantIdentity"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_field(changes, field):
    with pytest.raises(BadCallback) as bad:
        parse_callback(form(**changes), now=NOW)

    assert bad.value.field == field


def test_a_field_given_twice_is_refused():
    query = form()
    query.appendlist("ParticipantIdentity", "bob")

    with pytest.raises(BadCallback) as bad:
        parse_callback(query, now=NOW)
    assert bad.value.field == "ParticipantIdentity"
