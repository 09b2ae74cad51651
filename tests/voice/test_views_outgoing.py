"""POST /webhooks/twilio/voice: the call an app places is dialled only as the
rules say now; the TwiML is read as XML, element by element."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.conftest import decode
from tests.helpers import logged_in
from tests.standins.twilio_voice_posts import OUTGOING, call, post, shape, twiml
from tokens.models import CallDecision, GrantRule

DIAL = {
    "action": "https://tokens.example.com/webhooks/twilio/voice/status",
    "answerOnBridge": "true",
    "timeout": "25",
}


def refused(response, spoken: str) -> None:
    assert shape(twiml(response)) == [("Say", {}, spoken), ("Hangup", {}, None)]


def decision() -> CallDecision:
    (only,) = CallDecision.objects.all()
    return only


# --- dialled -------------------------------------------------------------------------


@pytest.mark.parametrize("to", ["client:dave", "dave"])
def test_an_identity_that_may_receive_calls_is_dialled_as_a_client(erin, dave, to):
    response = post(call(to, "client:erin"))

    assert shape(twiml(response)) == [("Dial", DIAL, [("Client", "dave")])]
    row = decision()
    assert (row.outcome, row.code, row.user, row.dialled) == (
        "dialled",
        "",
        erin,
        "dave",
    )
    assert (row.direction, row.caller, row.destination) == ("outgoing", "erin", "dave")


def test_a_number_under_an_allowed_prefix_is_dialled_with_the_caller_id(
    erin, caller_id
):
    response = post(call("+14155550100", "client:erin"))

    dial = {**DIAL, "callerId": caller_id}
    assert shape(twiml(response)) == [("Dial", dial, [("Number", "+14155550100")])]
    assert decision().dialled == "+14155550100"


def test_a_group_reach_dials_only_members_of_a_shared_group(dave, frank, team):
    GrantRule.objects.create(user=frank, voice_outgoing=True, calls="group")
    frank.groups.add(team)

    outside = post(call("dave", "client:frank"))
    dave.groups.add(team)
    inside = post(call("dave", "client:frank"))

    refused(outside, "You may not call this person. Goodbye.")
    assert shape(twiml(inside)) == [("Dial", DIAL, [("Client", "dave")])]


def test_routing_reads_a_constant_number_of_queries(
    erin, dave, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        post(call("dave", "client:erin"))


# --- refused -------------------------------------------------------------------------


def test_a_caller_whose_permission_was_removed_is_refused_despite_a_valid_token(
    erin, dave
):
    token = logged_in(erin).get("/token").json()["token"]
    assert decode(token)[1]["grants"]["voice"]["outgoing"]
    GrantRule.objects.filter(user=erin).update(voice_outgoing=False)

    response = post(call("dave", "client:erin"))

    refused(response, "You may not place calls. Goodbye.")
    assert decision().code == "caller_not_permitted"


def test_a_caller_taken_out_of_the_calling_group_is_refused_despite_a_valid_token(
    frank, dave
):
    callers = Group.objects.create(name="callers")
    GrantRule.objects.create(group=callers, voice_outgoing=True)
    frank.groups.add(callers)
    token = logged_in(frank).get("/token").json()["token"]
    assert decode(token)[1]["grants"]["voice"]["outgoing"]
    frank.groups.remove(callers)

    response = post(call("dave", "client:frank"))

    refused(response, "You may not place calls. Goodbye.")
    assert decision().code == "caller_not_permitted"


def test_a_callee_whose_incoming_calls_were_removed_is_not_rung_despite_a_token(
    erin, dave
):
    token = logged_in(dave).get("/token").json()["token"]
    assert decode(token)[1]["grants"]["voice"]["incoming"] == {"allow": True}
    GrantRule.objects.filter(user=dave).update(voice_incoming=False)

    response = post(call("dave", "client:erin"))

    refused(response, "This person cannot receive calls. Goodbye.")
    assert (decision().code, decision().dialled) == ("callee_not_permitted", "")


@pytest.mark.parametrize(
    "caller",
    [
        pytest.param("client:<Say>erin</Say>", id="twiml"),
        pytest.param("client:erin\n", id="control-characters"),
        pytest.param("client:er\x00in", id="nul"),
        pytest.param("client:" + "e" * 300, id="over-long"),
        pytest.param(["client:erin", "client:dave"], id="given-twice"),
    ],
)
def test_a_caller_that_names_no_user_is_refused(erin, dave, caller):
    response = post({**call("dave"), "From": caller})

    refused(response, "This app may not place calls. Goodbye.")
    row = decision()
    assert (row.code, row.caller, row.user) == ("caller_unknown", "", None)


@pytest.mark.parametrize(
    ("caller", "to", "code", "spoken"),
    [
        ("client:frank", "dave", "caller_not_permitted", "You may not place calls."),
        ("client:nobody", "dave", "caller_unknown", "This app may not place calls."),
        ("+14155550100", "dave", "caller_unknown", "This app may not place calls."),
        (
            "client:erin",
            "client:nobody",
            "callee_unknown",
            "This person cannot be called.",
        ),
        (
            "client:erin",
            "frank",
            "callee_not_permitted",
            "This person cannot receive calls.",
        ),
        ("client:erin", "erin", "callee_is_caller", "You cannot call yourself."),
        (
            "client:erin",
            "+442071838750",
            "number_not_permitted",
            "You may not call this number.",
        ),
        (
            "client:erin",
            "+449098790000",
            "number_not_permitted",
            "You may not call this number.",
        ),
    ],
)
def test_a_call_the_rules_refuse_is_spoken_hung_up_and_recorded(
    erin, dave, frank, caller_id, caller, to, code, spoken
):
    response = post(call(to, caller))

    refused(response, spoken + " Goodbye.")
    row = decision()
    assert (row.outcome, row.code, row.dialled) == ("refused", code, "")


def test_an_allowed_number_is_refused_while_no_caller_id_is_set(erin, settings):
    settings.TWILIO_CALLER_ID = ""

    response = post(call("+14155550100", "client:erin"))

    refused(response, "Calls to phone numbers are not set up. Goodbye.")
    assert decision().code == "numbers_not_configured"


@pytest.mark.parametrize("who", ["caller", "callee"])
def test_a_deactivated_party_is_refused(erin, dave, who):
    user = erin if who == "caller" else dave
    user.is_active = False
    user.save()

    response = post(call("dave", "client:erin"))

    assert shape(twiml(response))[-1] == ("Hangup", {}, None)
    assert decision().code == f"{who}_inactive"


@pytest.mark.parametrize(
    "to",
    [
        pytest.param("<Dial><Number>+19005550100</Number></Dial>", id="twiml"),
        pytest.param("dave</Client><Client>root", id="xml-break-out"),
        pytest.param("dave\r\n", id="control-characters"),
        pytest.param("da\x00ve", id="nul"),
        pytest.param("d" * 122, id="identity-too-long"),
        pytest.param("+1" + "4" * 300, id="over-long-number"),
        pytest.param("client:", id="empty-client"),
        pytest.param("sip:dave@example.com", id="sip"),
        pytest.param("", id="empty"),
    ],
)
def test_a_destination_that_names_nobody_is_refused(erin, dave, caller_id, to):
    response = post(call(to, "client:erin"))

    refused(response, "This call cannot be placed. Goodbye.")
    row = decision()
    assert (row.code, row.destination) == ("invalid_destination", "")


def test_a_destination_given_twice_is_refused(erin, dave):
    params = {**call("dave", "client:erin"), "To": ["dave", "+19005550100"]}

    response = post(params)

    refused(response, "This call cannot be placed. Goodbye.")


# --- not routed ---------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "TOKENSERVER_PUBLIC_URL"])
def test_without_the_webhook_settings_the_answer_is_503(erin, settings, missing):
    settings.TWILIO_AUTH_TOKEN_SECONDARY = ""
    setattr(settings, missing, "")

    response = post(
        call("dave", "client:erin"), token="test-auth-token-0123456789abcdef"
    )

    assert response.status_code == 503
    assert response.json()["code"] == "webhooks_not_configured"
    assert response["Retry-After"] == "300"
    assert not CallDecision.objects.exists()


def test_only_post_is_allowed(db):
    response = Client().get(OUTGOING)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
