"""POST /webhooks/twilio/voice/incoming: the account's number rings, at once, the
answering group's members who may receive calls now, at most ten."""

import pytest
from django.contrib.auth.models import Group

from tests.conftest import decode
from tests.helpers import logged_in
from tests.standins.twilio_voice_posts import INCOMING, incoming, post, shape, twiml
from tokens.models import CallDecision, GrantRule, User

DIAL = {
    "action": "https://tokens.example.com/webhooks/twilio/voice/status",
    "answerOnBridge": "true",
    "timeout": "25",
}
NOBODY = [
    ("Say", {}, "Nobody can take your call now. Please call again later."),
    ("Hangup", {}, None),
]


def member(group, name, *, incoming=False, active=True):
    user = User.objects.create_user(name, is_active=active)
    user.groups.add(group)
    if incoming:
        GrantRule.objects.create(user=user, voice_incoming=True)
    return user


def test_the_members_who_may_receive_calls_ring_at_once(desk, dave, frank):
    dave.groups.add(desk)  # incoming by his own rule, and the group's
    frank.groups.add(desk)  # the group's rule gives him incoming calls
    member(desk, "gone", active=False)
    other = Group.objects.create(name="other")
    member(other, "elsewhere", incoming=True)

    response = post(incoming(), path=INCOMING)

    dialled = [("Client", "dave"), ("Client", "frank")]
    assert shape(twiml(response)) == [("Dial", DIAL, dialled)]
    (row,) = CallDecision.objects.all()
    assert (row.direction, row.outcome, row.caller) == (
        "incoming",
        "dialled",
        "+14155550100",
    )
    assert row.dialled == "dave,frank"


def test_a_member_without_incoming_calls_does_not_ring(db, settings):
    group = Group.objects.create(name="desk")  # no rule of its own
    settings.TWILIO_INCOMING_CALL_GROUP = "desk"
    member(group, "ann", incoming=True)
    member(group, "ben")

    response = post(incoming(), path=INCOMING)

    assert shape(twiml(response)) == [("Dial", DIAL, [("Client", "ann")])]


def test_at_most_ten_ring_in_username_order(desk, django_assert_max_num_queries):
    for number in range(12):
        member(desk, f"agent{number:02}")

    with django_assert_max_num_queries(6):
        response = post(incoming(), path=INCOMING)

    ((_, _, nouns),) = shape(twiml(response))
    assert nouns == [("Client", f"agent{number:02}") for number in range(10)]


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("empty-group", "nobody_available"),
        ("all-inactive", "nobody_available"),
        ("no-group", "group_not_configured"),
        ("unset", "group_not_configured"),
    ],
)
def test_nobody_available_hears_a_message_and_the_call_ends(
    desk, settings, setup, code
):
    if setup == "all-inactive":
        member(desk, "ann", active=False)
    if setup == "no-group":
        settings.TWILIO_INCOMING_CALL_GROUP = "nonexistent"
    if setup == "unset":
        settings.TWILIO_INCOMING_CALL_GROUP = ""

    response = post(incoming(), path=INCOMING)

    assert shape(twiml(response)) == NOBODY
    (row,) = CallDecision.objects.all()
    assert (row.outcome, row.code) == ("refused", code)


def test_a_member_whose_incoming_calls_were_removed_is_not_rung_despite_a_token(
    desk, dave
):
    dave.groups.add(desk)
    token = logged_in(dave).get("/token").json()["token"]
    assert decode(token)[1]["grants"]["voice"]["incoming"] == {"allow": True}
    dave.grant_rule.delete()  # and the group's rule, too
    desk.grant_rule.delete()

    response = post(incoming(), path=INCOMING)

    assert shape(twiml(response)) == NOBODY
    assert CallDecision.objects.get().code == "nobody_available"


@pytest.mark.parametrize(
    "caller",
    [
        pytest.param("<Say>hello</Say>", id="twiml"),
        pytest.param("+14155550100\r\n", id="control-characters"),
        pytest.param("+1" + "4" * 300, id="over-long"),
        pytest.param(["+14155550100", "+14155550101"], id="given-twice"),
    ],
)
def test_an_odd_caller_still_rings_the_group_and_is_not_echoed(desk, dave, caller):
    dave.groups.add(desk)

    response = post({**incoming(), "From": caller}, path=INCOMING)

    assert shape(twiml(response)) == [("Dial", DIAL, [("Client", "dave")])]
    assert b"hello" not in response.content
    assert CallDecision.objects.get().caller == ""
