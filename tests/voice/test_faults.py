"""A database that fails while Twilio asks how to route a call: 503 JSON
with Retry-After (Twilio then tries the number's fallback URL), never a 500,
never the driver's message. The dial status: tests/voice/test_views_status.py."""

import pytest
from django.test import Client

from tests.cross.test_faults import assert_database_unavailable, database_failing
from tests.standins.twilio_voice_posts import (
    INCOMING,
    OUTGOING,
    call,
    incoming,
    post,
)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (OUTGOING, call("client:dave", "client:erin")),
        (INCOMING, incoming()),
    ],
)
def test_routing_a_call_while_the_database_fails_answers_503(erin, dave, path, params):
    with database_failing():
        response = post(params, path=path, client=Client(raise_request_exception=False))

    body = assert_database_unavailable(response)
    assert body["code"] == "database_unavailable"
