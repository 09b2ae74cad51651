"""POST /webhooks/twilio/video refusals, with RequestValidator-signed posts:
hostile input gets the JSON envelope and writes nothing."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.db_faults import DRIVER_MESSAGE, database_failing
from tests.standins.twilio_webhook_posts import (
    PATH,
    PUBLIC,
    ROOM_SID,
    event,
    joined,
    nothing_written,
    post,
)

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


@pytest.mark.django_db(transaction=True)
def test_a_callback_while_the_database_fails_is_503_for_twilio_to_retry(
    tokens, standup, caplog
):
    params = joined()
    with database_failing():
        response = post(params, token=tokens[0])

    assert response.status_code == 503
    assert response["Retry-After"] == "30"  # as every other 503
    assert response.json()["code"] == "database_unavailable"
    assert DRIVER_MESSAGE not in response.content.decode()
    assert "twilio webhook: database error: OperationalError" in caplog.text
    assert DRIVER_MESSAGE not in caplog.text
    assert post(params, token=tokens[0]).json() == {"status": "recorded"}  # retried
