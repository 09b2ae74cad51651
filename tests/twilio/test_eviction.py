"""The eviction policy (tokens/twilio/eviction.py): pure, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from tokens import policy
from tokens.twilio import eviction
from tokens.twilio.eviction import Connected, decide

END = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
LISTED = (policy.Rule("personal", video=policy.VIDEO_LISTED),)
ANY = (policy.Rule("group tutors", video=policy.VIDEO_ANY),)


def user(rules=LISTED, *, superuser=False) -> policy.Subject:
    return policy.Subject(identity="alice", is_superuser=superuser, rules=rules)


def room(*windows: policy.Window, active=True) -> policy.RoomState:
    return policy.RoomState(name="math", known=True, active=active, windows=windows)


def window(starts=None, ends=END, source="personal") -> policy.Window:
    return policy.Window(source, starts, ends)


CONNECTED_AT = END - timedelta(hours=1)


def connected(subject=None, the_room=None, **kwargs) -> Connected:
    return Connected(
        subject=user() if subject is None else subject,
        room=room(window()) if the_room is None else the_room,
        connected_at=kwargs.pop("connected_at", CONNECTED_AT),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (END - 2 * SECOND, None),
        (END - SECOND, None),  # /token still signs a 1-second token
        (END - SECOND / 2, eviction.WINDOW_ENDED),  # /token refuses already
        (END, eviction.WINDOW_ENDED),
        (END + SECOND, eviction.WINDOW_ENDED),
        (END + timedelta(days=3), eviction.WINDOW_ENDED),
    ],
)
def test_a_window_end_evicts_at_the_moment_token_stops_signing(now, reason):
    verdict = decide(connected(), now=now)

    assert verdict.reason == reason
    if reason is not None:
        assert verdict.access_ended_at == END
    else:
        assert verdict.next_change == END


@pytest.mark.parametrize(
    ("participant", "reason"),
    [
        (Connected(subject=None, room=room(window())), eviction.UNKNOWN_IDENTITY),
        (connected(user_active=False), eviction.USER_INACTIVE),
        (connected(the_room=room(window(), active=False)), eviction.ROOM_INACTIVE),
        # An inactive room refuses "any room" users and superusers too.
        (connected(user(ANY), room(active=False)), eviction.ROOM_INACTIVE),
        (connected(user(superuser=True), room(active=False)), eviction.ROOM_INACTIVE),
        (connected(user(rules=())), eviction.GRANT_REMOVED),
        (
            connected(user((policy.Rule("personal", chat=True),))),
            eviction.GRANT_REMOVED,
        ),
        # The access row was deleted: nothing left that grants the room.
        (connected(the_room=room()), eviction.ACCESS_REVOKED),
        # The row was moved to a later window: revoked, not ended.
        (
            connected(the_room=room(window(END + SECOND, END + 2 * SECOND))),
            eviction.ACCESS_REVOKED,
        ),
        # A window that closed before they connected did not let them in.
        (
            connected(the_room=room(window(ends=CONNECTED_AT - SECOND))),
            eviction.ACCESS_REVOKED,
        ),
    ],
)
def test_each_reason_is_named_by_what_changed(participant, reason):
    verdict = decide(participant, now=END - timedelta(minutes=30))

    assert verdict.reason == reason
    assert verdict.access_ended_at == END - timedelta(minutes=30)


@pytest.mark.parametrize(
    "participant",
    [
        connected(user(ANY), room()),  # any room: no access row needed
        connected(user(superuser=True), room()),
        connected(user(LISTED + ANY), room()),  # the most generous rule wins
        connected(the_room=room(window(ends=None))),
        connected(the_room=room(window(), window(source="group team", ends=None))),
    ],
)
def test_who_token_would_let_in_stays(participant):
    verdict = decide(participant, now=END + timedelta(hours=1))

    assert verdict.reason is None
    assert verdict.next_change is None


def test_of_two_windows_the_later_end_counts_and_the_first_is_looked_at():
    later = END + timedelta(hours=1)
    participant = connected(the_room=room(window(), window(END - SECOND, later)))

    assert decide(participant, now=END - 2 * SECOND).next_change == END - SECOND
    assert decide(participant, now=END).reason is None
    assert decide(participant, now=END).next_change == later
    ended = decide(participant, now=later)
    assert (ended.reason, ended.access_ended_at) == (eviction.WINDOW_ENDED, later)


def test_twilios_own_duration_limit_is_a_moment_to_look_again():
    participant = connected(
        user(ANY), room(), connected_at=END, max_participant_duration=600
    )

    assert decide(participant, now=END).next_change == END + timedelta(seconds=600)
    assert decide(participant, now=END + timedelta(hours=1)).next_change is None
