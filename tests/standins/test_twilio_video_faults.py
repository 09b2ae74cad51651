"""The stand-in Twilio Video's refusals: auth, injected faults, OpenAPI checks."""

import time

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from tests.standins.openapi_check import FORM, check_request
from tests.standins.twilio_http import StandInHttpClient

pytest_plugins = ["tests.standins.fixtures"]


def _client(twilio_video, username, password, timeout=2) -> Client:
    http_client = StandInHttpClient(twilio_video.origin, timeout=timeout)
    return Client(username, password, twilio_video.account_sid, http_client=http_client)


def _post(twilio_video, path, data):
    auth = (twilio_video.api_key_sid, twilio_video.api_secret)
    return requests.post(twilio_video.origin + path, data=data, auth=auth, timeout=2)


def test_a_wrong_secret_gets_401_with_twilios_error_body(twilio_video):
    client = _client(twilio_video, twilio_video.api_key_sid, "wrong")
    with pytest.raises(TwilioRestException) as refused:
        client.video.v1.rooms("standup").fetch()
    assert (refused.value.status, refused.value.code) == (401, 20003)
    raw = requests.get(twilio_video.origin + "/v1/Rooms", timeout=2)
    assert raw.status_code == 401
    assert raw.headers["WWW-Authenticate"].startswith("Basic")
    assert set(raw.json()) == {"code", "message", "more_info", "status"}


def test_the_account_sid_and_auth_token_are_accepted_too(twilio_video):
    client = _client(twilio_video, twilio_video.account_sid, twilio_video.auth_token)
    assert client.video.v1.rooms.list() == []


def test_503_for_the_next_requests_then_recovery(twilio_video, twilio_client):
    twilio_video.faults.fail(503, count=2)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as unavailable:
            twilio_client.video.v1.rooms.create(unique_name="class")
        assert unavailable.value.status == 503
    assert twilio_client.video.v1.rooms.create(unique_name="class").status
    assert [r.fault for r in twilio_video.requests] == [503, 503, None]


def test_429_says_when_to_retry(twilio_video):
    twilio_video.faults.fail(429, retry_after=7)
    throttled = _post(twilio_video, "/v1/Rooms", {"UniqueName": "class"})
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json()["code"] == 20429
    assert _post(twilio_video, "/v1/Rooms", {"UniqueName": "class"}).status_code == 201


def test_a_fault_for_a_while_ends_by_itself(twilio_video, twilio_client):
    twilio_video.faults.fail(503, seconds=0.3)
    # twilio-python raises a bare TwilioException, without status, for a list
    with pytest.raises(TwilioException):
        twilio_client.video.v1.rooms.list()
    with pytest.raises(TwilioException):
        twilio_client.video.v1.rooms.list()
    time.sleep(0.35)
    assert twilio_client.video.v1.rooms.list() == []


def test_a_hang_outlasts_the_client_timeout(twilio_video):
    client = _client(
        twilio_video, twilio_video.api_key_sid, twilio_video.api_secret, timeout=0.3
    )
    twilio_video.faults.hang(count=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.video.v1.rooms.create(unique_name="class")
    assert client.video.v1.rooms.create(unique_name="class").status == "in-progress"


def test_a_fault_can_be_kept_to_one_path(twilio_video, twilio_client):
    room = twilio_client.video.v1.rooms.create(unique_name="class")
    twilio_video.faults.fail(503, count=1, path=f"/v1/Rooms/{room.sid}/Participants")
    assert twilio_client.video.v1.rooms(room.sid).fetch().sid == room.sid
    with pytest.raises(TwilioException):
        twilio_client.video.v1.rooms(room.sid).participants.list()


def test_every_answer_can_be_delayed(twilio_video, twilio_client):
    twilio_video.faults.delay = 0.2
    started = time.monotonic()
    twilio_client.video.v1.rooms.list()
    assert time.monotonic() - started >= 0.2


def test_a_made_up_form_field_is_refused_and_recorded(twilio_video):
    answer = _post(twilio_video, "/v1/Rooms", {"UniqueName": "a", "RoomName": "a"})
    assert answer.status_code == 400
    assert "RoomName is not a field of CreateRoom" in answer.json()["message"]
    (violation,) = twilio_video.violations
    assert (violation.method, violation.path) == ("POST", "/v1/Rooms")
    twilio_video.violations.clear()  # meant: keep the fixture's teardown check


def test_an_enum_value_twilio_does_not_know_is_refused(twilio_video, twilio_client):
    with pytest.raises(TwilioRestException) as refused:
        twilio_client.video.v1.rooms.create(unique_name="a", type="huge")
    assert refused.value.status == 400
    assert twilio_video.violations[0].problems == [
        "Type: 'huge' is not one of ['group', 'go', 'peer-to-peer', 'group-small']"
    ]
    assert not twilio_video.state.rooms
    twilio_video.violations.clear()


@pytest.mark.parametrize(
    ("method", "path", "query", "form", "problem"),
    [
        ("POST", "/v1/Rooms", {}, {"MaxParticipants": ["ten"]}, "not an integer"),
        ("POST", "/v1/Rooms", {}, {"AudioOnly": ["yes"]}, "not a boolean"),
        ("POST", "/v1/Rooms", {}, {"StatusCallback": ["/hook"]}, "absolute"),
        ("POST", "/v1/Rooms", {}, {"VideoCodecs": ["VP9"]}, "'VP9' is not one"),
        ("POST", "/v1/Rooms", {}, {"Type": ["go", "group"]}, "given 2 times"),
        ("POST", "/v1/Rooms/RM1", {}, {}, "Status is required"),
        ("POST", "/v1/Rooms/RM1", {}, {"Status": ["ended"]}, "is not one of"),
        ("GET", "/v1/Rooms", {"Status": ["live"]}, {}, "is not one of"),
        ("GET", "/v1/Rooms", {"PageSize": ["x"]}, {}, "not an integer"),
        ("GET", "/v1/Rooms", {}, {"Status": ["completed"]}, "in the form body"),
        ("POST", "/v1/Rooms", {"Type": ["group"]}, {}, "in the query string"),
        ("DELETE", "/v1/Rooms/RM1", {}, {}, "not an operation"),
        ("GET", "/v1/Room", {}, {}, "not in Twilio's Video API"),
    ],
)
def test_openapi_check_names_what_twilio_would_refuse(
    method, path, query, form, problem
):
    problems = check_request(method, path, query, form, FORM)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("method", "path", "query", "form"),
    [
        ("POST", "/v1/Rooms", {}, {"UniqueName": ["a"], "EmptyRoomTimeout": ["5"]}),
        ("POST", "/v1/Rooms", {}, {"VideoCodecs": ["VP8", "H264"]}),
        ("POST", "/v1/Rooms/RM1", {}, {"Status": ["completed"]}),
        ("POST", "/v1/Rooms/RM1/Participants/alice", {}, {"Status": ["disconnected"]}),
        ("GET", "/v1/Rooms/RM1/Participants", {"Identity": ["alice"]}, {}),
    ],
)
def test_openapi_check_lets_valid_requests_through(method, path, query, form):
    assert check_request(method, path, query, form, FORM) == []
