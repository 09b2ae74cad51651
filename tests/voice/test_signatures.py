"""The three voice webhooks refuse every request Twilio did not sign for
them, over the exact public URL: 403 JSON, and nothing written."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.standins.twilio_voice_posts import (
    INCOMING,
    OUTGOING,
    PUBLIC,
    STATUS,
    call,
    dial_ended,
    incoming,
    post,
)
from tokens.models import CallDecision, CallRecord

WEBHOOKS = {
    OUTGOING: lambda: call("dave", "client:erin"),
    INCOMING: incoming,
    STATUS: dial_ended,
}
# Another voice webhook's URL, signed with the right token: not for this one.
OTHER = {OUTGOING: INCOMING, INCOMING: STATUS, STATUS: OUTGOING}
KINDS = ["missing", "wrong-token", "tampered", "other-url", "real-host", "query"]


def signature(kind: str, path: str, params: dict, token: str) -> str:
    signer = RequestValidator(token)
    url = PUBLIC + path
    return {
        "missing": "",
        "wrong-token": RequestValidator("wrong-token-0123456789").compute_signature(
            url, params
        ),
        "tampered": signer.compute_signature(url, {**params, "From": "client:root"}),
        "other-url": signer.compute_signature(PUBLIC + OTHER[path], params),
        "real-host": signer.compute_signature("http://testserver" + path, params),
        "query": signer.compute_signature(url + "?retry=1", params),
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("path", list(WEBHOOKS))
def test_a_request_twilio_did_not_sign_is_refused_and_writes_nothing(
    erin, dave, desk, tokens, path, kind
):
    dave.groups.add(desk)
    post(call("dave", "client:erin"))  # a dialled call, for the status to find
    written = CallDecision.objects.count()
    params = WEBHOOKS[path]()
    signed = signature(kind, path, params, tokens[0])
    headers = {"HTTP_X_TWILIO_SIGNATURE": signed} if signed else {}

    response = Client().post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "The X-Twilio-Signature header is missing or wrong.",
        "code": "invalid_signature",
    }
    assert CallDecision.objects.count() == written
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize("path", list(WEBHOOKS))
def test_the_secondary_auth_token_signs_too_during_a_rotation(
    erin, dave, desk, tokens, path
):
    post(call("dave", "client:erin"))

    response = post(WEBHOOKS[path](), path=path, token=tokens[1])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
