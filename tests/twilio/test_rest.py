"""tokens/twilio/rest.py against the stand-in Twilio Video: no mocks."""

import base64
import logging
import time

import pytest

from tests.standins.twilio_video import (
    ACCOUNT_SID,
    API_KEY_SID,
    API_SECRET,
    AUTH_TOKEN,
)
from tokens.credentials import TwilioCredentials
from tokens.errors import TwilioUnavailable
from tokens.twilio import rest
from tokens.twilio.conf import RestOptions
from tokens.twilio.http import backoff, retry_after, rewrite

pytest_plugins = ["tests.standins.fixtures"]

CREDENTIALS = TwilioCredentials(
    account_sid=ACCOUNT_SID, api_key=API_KEY_SID, api_secret=API_SECRET
)
CALLBACK = "https://tokens.example.com/webhooks/twilio/video"
SECRETS = (
    API_SECRET,
    AUTH_TOKEN,
    base64.b64encode(f"{API_KEY_SID}:{API_SECRET}".encode()).decode(),
)


class Sleeps(list):
    """Records the waits the client asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(twilio_video, sleeps):
    options = RestOptions(base_url=twilio_video.origin, timeout=2, retries=2)
    return rest.make_client(CREDENTIALS, options, sleep=sleeps, jitter=lambda: 1.0)


def create(client, name="standup", **settings):
    return rest.create_room(
        client,
        name=name,
        settings=rest.RoomSettings(**settings),
        status_callback=CALLBACK,
    )


# --- pure parts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "https://video.twilio.com/v1/Rooms",
            "http://127.0.0.1:8099",
            "http://127.0.0.1:8099/v1/Rooms",
        ),
        (
            "https://video.twilio.com/v1/Rooms?Status=in-progress&Page=1",
            "https://staging.example.com",
            "https://staging.example.com/v1/Rooms?Status=in-progress&Page=1",
        ),
        ("https://video.twilio.com/v1/Rooms", "", "https://video.twilio.com/v1/Rooms"),
    ],
)
def test_rewrite_sends_the_path_and_query_to_the_base_url(url, base, expected):
    assert rewrite(url, base) == expected


@pytest.mark.parametrize(
    ("attempt", "asked", "expected"),
    [(0, None, 0.25), (1, None, 0.5), (2, None, 1.0), (9, None, 4.0), (0, 7.0, 7.0)],
)
def test_backoff_doubles_up_to_a_cap_unless_twilio_says_when(attempt, asked, expected):
    assert backoff(attempt, asked, lambda: 1.0) == expected


def test_backoff_jitter_spreads_the_wait_below_the_exponential_step():
    assert backoff(2, None, lambda: 0.5) == 0.5


def test_retry_after_reads_seconds_only():
    class Answer:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    assert retry_after(Answer("3")) == 3.0
    assert retry_after(Answer("Wed, 21 Oct 2015 07:28:00 GMT")) is None
    assert retry_after(None) is None


# --- against the stand-in ----------------------------------------------------------


def test_create_room_sends_the_settings_and_the_callback(twilio_video, client):
    room = create(client, max_participants=4, max_participant_duration=3600)

    assert room.sid.startswith("RM")
    assert (room.unique_name, room.status, room.adopted) == (
        "standup",
        "in-progress",
        False,
    )
    assert room.max_participant_duration == 3600
    stored = twilio_video.room("standup")
    assert stored.settings["status_callback"] == CALLBACK
    assert stored.settings["max_participants"] == 4


def test_an_existing_in_progress_room_is_adopted_not_an_error(twilio_video, client):
    first = create(client)

    again = create(client)

    assert again.adopted
    assert again.sid == first.sid
    assert len(twilio_video.state.rooms) == 1


def test_503_then_recovery_is_retried_with_backoff(twilio_video, client, sleeps):
    twilio_video.faults.fail(503, count=2, retry_after=0)

    room = create(client)

    assert room.status == "in-progress"
    assert [r.fault for r in twilio_video.requests] == [503, 503, None]
    assert len(sleeps) == 2


def test_a_create_whose_answer_was_lost_adopts_the_room_it_made(twilio_video, client):
    # The first create reaches Twilio but its answer is a 503: the retry meets
    # 53113 and takes over the room instead of failing or making a second one.
    twilio_video.faults.delay = 0
    create(client, name="lost")
    twilio_video.faults.fail(503, count=1, path="/v1/Rooms")

    again = create(client, name="lost")

    assert again.adopted
    assert len(twilio_video.state.rooms) == 1


def test_429_waits_the_retry_after_twilio_asks_for(twilio_video, client, sleeps):
    twilio_video.faults.fail(429, count=1, retry_after=3)

    assert create(client).status == "in-progress"
    assert sleeps == [3.0]


def test_429_asking_longer_than_the_bound_gives_up_at_once(twilio_video, client):
    twilio_video.faults.fail(429, count=1, retry_after=60)

    with pytest.raises(TwilioUnavailable) as unavailable:
        rest.fetch_room(client, "standup")

    assert unavailable.value.wait == 60
    assert len(twilio_video.requests) == 1


def test_lasting_503_on_a_list_page_is_twilio_unavailable(twilio_video, client):
    twilio_video.faults.fail(503, seconds=30)

    with pytest.raises(TwilioUnavailable) as unavailable:
        rest.list_in_progress_rooms(client)

    assert unavailable.value.status_code == 503
    assert unavailable.value.get_codes() == "twilio_unavailable"
    assert len(twilio_video.requests) == 3  # the first try and two retries


def test_a_hang_ends_in_a_bounded_time_as_twilio_unavailable(twilio_video, sleeps):
    options = RestOptions(base_url=twilio_video.origin, timeout=0.3, retries=1)
    client = rest.make_client(CREDENTIALS, options, sleep=sleeps)
    twilio_video.faults.hang(seconds=30)
    started = time.monotonic()

    with pytest.raises(TwilioUnavailable):
        rest.fetch_room(client, "standup")

    assert time.monotonic() - started < 2
    assert len(twilio_video.requests) == 2


def test_a_refused_connection_is_twilio_unavailable(sleeps):
    options = RestOptions(base_url="http://127.0.0.1:9", timeout=1, retries=1)
    client = rest.make_client(CREDENTIALS, options, sleep=sleeps)

    with pytest.raises(TwilioUnavailable):
        rest.list_in_progress_rooms(client)
    assert len(sleeps) == 1


def test_lists_rooms_and_connected_participants(twilio_video, client):
    room = create(client)
    create(client, name="other")
    twilio_video.join("standup", "alice")
    twilio_video.join("standup", "bob")
    twilio_video.leave("standup", "bob")

    rooms = rest.list_in_progress_rooms(client)
    connected = rest.list_connected_participants(client, room.sid)

    assert sorted(r.unique_name for r in rooms) == ["other", "standup"]
    assert [(p.identity, p.status, p.room_sid) for p in connected] == [
        ("alice", "connected", room.sid)
    ]


def test_disconnect_participant_by_identity_or_sid(twilio_video, client):
    room = create(client)
    alice = twilio_video.join("standup", "alice")
    twilio_video.join("standup", "bob")

    gone = rest.disconnect_participant(client, room.sid, alice.sid)
    also = rest.disconnect_participant(client, room.sid, "bob")

    assert (gone.identity, gone.status) == ("alice", "disconnected")
    assert also.status == "disconnected"
    assert rest.list_connected_participants(client, room.sid) == []
    assert rest.disconnect_participant(client, room.sid, "nobody") is None


def test_complete_room_ends_it_and_a_second_time_is_no_error(twilio_video, client):
    room = create(client)
    twilio_video.join("standup", "alice")

    ended = rest.complete_room(client, room.sid)
    again = rest.complete_room(client, room.sid)

    assert ended.status == again.status == "completed"
    assert rest.fetch_room(client, "standup") is None  # no room in progress
    assert rest.list_connected_participants(client, room.sid) == []


def test_a_refusal_names_status_and_code_only(twilio_video, client):
    with pytest.raises(rest.TwilioRefused) as refused:
        create(client, max_participant_duration=10)  # below Twilio's 600

    assert (refused.value.status, refused.value.code) == (400, 53123)
    assert "max_participant_duration" not in str(refused.value).lower()


def test_wrong_credentials_are_a_refusal_without_the_secret(twilio_video):
    wrong = TwilioCredentials(
        account_sid=ACCOUNT_SID, api_key=API_KEY_SID, api_secret="wrong-" + API_SECRET
    )
    options = RestOptions(base_url=twilio_video.origin, timeout=2, retries=0)
    with pytest.raises(rest.TwilioRefused) as refused:
        rest.fetch_room(rest.make_client(wrong, options), "standup")
    assert refused.value.status == 401
    assert "wrong-" not in str(refused.value)


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("list rooms", rest.list_in_progress_rooms),
        ("list participants", lambda c: rest.list_connected_participants(c, "RM1")),
        (
            "disconnect a participant",
            lambda c: rest.disconnect_participant(c, "RM1", "alice"),
        ),
        ("complete a room", lambda c: rest.complete_room(c, "RM1")),
    ],
)
def test_every_call_with_wrong_credentials_is_a_refusal_naming_the_action(
    twilio_video, action, call
):
    wrong = TwilioCredentials(
        account_sid=ACCOUNT_SID, api_key=API_KEY_SID, api_secret="wrong-" + API_SECRET
    )
    options = RestOptions(base_url=twilio_video.origin, timeout=2, retries=0)

    with pytest.raises(rest.TwilioRefused) as refused:
        call(rest.make_client(wrong, options))

    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert str(refused.value).startswith(f"Twilio refused to {action}:")


def test_a_room_twilio_does_not_know_has_nobody_and_needs_no_ending(
    twilio_video, client
):
    unknown = "RM" + "0" * 32

    assert rest.list_connected_participants(client, unknown) == []
    assert rest.complete_room(client, unknown) is None
    assert [r.status for r in twilio_video.requests] == [404, 404]


def test_no_secret_in_any_log_line_or_error(twilio_video, client, caplog):
    caplog.set_level(logging.DEBUG)
    twilio_video.faults.fail(503, count=1, retry_after=0)
    room = create(client)
    twilio_video.join("standup", "alice")
    rest.list_connected_participants(client, room.sid)
    rest.disconnect_participant(client, room.sid, "alice")
    twilio_video.faults.fail(503, seconds=30)
    with pytest.raises(TwilioUnavailable) as unavailable:
        rest.complete_room(client, room.sid)

    texts = [caplog.text, str(unavailable.value.detail), repr(unavailable.value)]
    assert "retry in" in caplog.text  # the retries were logged
    for secret in SECRETS:
        assert all(secret not in text for text in texts)


def test_a_deadline_bounds_every_request_of_the_client_together(twilio_video, sleeps):
    options = RestOptions(
        base_url=twilio_video.origin, timeout=2, retries=5, deadline=0.5
    )
    client = rest.make_client(CREDENTIALS, options, sleep=sleeps)
    twilio_video.faults.hang(seconds=30)
    started = time.monotonic()

    with pytest.raises(TwilioUnavailable):
        create(client)

    assert time.monotonic() - started < 1.5
    assert len(twilio_video.requests) == 1  # no retry fits in what is left

    with pytest.raises(TwilioUnavailable):
        rest.fetch_room(client, "standup")  # the deadline is spent: sent nowhere
    assert len(twilio_video.requests) == 1


def test_no_retry_is_waited_for_past_the_deadline(twilio_video, sleeps):
    options = RestOptions(
        base_url=twilio_video.origin, timeout=2, retries=5, deadline=2
    )
    client = rest.make_client(CREDENTIALS, options, sleep=sleeps, jitter=lambda: 1.0)
    twilio_video.faults.fail(429, count=1, retry_after=3)

    with pytest.raises(TwilioUnavailable):
        create(client)

    assert sleeps == []
