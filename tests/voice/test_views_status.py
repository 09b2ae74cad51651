"""POST /webhooks/twilio/voice/status (the <Dial action>): each dialled call's
parties, outcome and duration, recorded once however often Twilio posts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.db_faults import DRIVER_MESSAGE, database_failing
from tests.standins.twilio_voice_posts import (
    CALL_SID,
    STATUS,
    call,
    dial_ended,
    post,
    shape,
    twiml,
)
from tokens.models import CallDecision, CallRecord

HANG_UP = [("Hangup", {}, None)]


def test_a_dialled_call_is_recorded_when_it_ends(erin, dave):
    post(call("dave", "client:erin"))

    response = post(dial_ended(), path=STATUS)

    assert shape(twiml(response)) == HANG_UP
    (record,) = CallRecord.objects.all()
    assert (record.call_sid, record.user, record.caller, record.dialled) == (
        CALL_SID,
        erin,
        "erin",
        "dave",
    )
    assert (record.outcome, record.duration, record.direction) == (
        "completed",
        42,
        "outgoing",
    )
    assert record.started_at == CallDecision.objects.get().created_at


def test_a_replayed_status_changes_nothing(erin, dave):
    post(call("dave", "client:erin"))
    post(dial_ended(), path=STATUS)
    first = list(CallRecord.objects.values())

    again = post(dial_ended(), path=STATUS)
    other = post(dial_ended("no-answer", "0"), path=STATUS)

    assert shape(twiml(again)) == shape(twiml(other)) == HANG_UP
    assert list(CallRecord.objects.values()) == first


def test_an_unanswered_call_is_recorded_without_a_duration(erin, dave):
    post(call("dave", "client:erin"))

    post(dial_ended("no-answer", "", DialCallSid=""), path=STATUS)

    record = CallRecord.objects.get()
    assert (record.outcome, record.duration, record.dial_call_sid) == (
        "no-answer",
        None,
        "",
    )


def test_a_status_for_a_refused_or_unknown_call_records_nothing(erin, frank):
    post(call("frank", "client:erin"))  # refused: frank receives no calls

    refused = post(dial_ended(), path=STATUS)
    unknown = post(dial_ended(CallSid="CA" + "9" * 32), path=STATUS)

    assert shape(twiml(refused)) == shape(twiml(unknown)) == HANG_UP
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"CallSid": "CA123"}, "CallSid"),
        ({"CallSid": ""}, "CallSid"),
        ({"DialCallStatus": "<Dial>"}, "DialCallStatus"),
        ({"DialCallStatus": "completed\n"}, "DialCallStatus"),
        ({"DialCallDuration": "-1"}, "DialCallDuration"),
        ({"DialCallDuration": "9" * 10}, "DialCallDuration"),
        ({"DialCallStatus": ["completed", "busy"]}, "DialCallStatus"),
        ({"CallSid": CALL_SID + "\n"}, "CallSid"),
        ({"CallSid": CALL_SID + "7" * 300}, "CallSid"),
        ({"CallSid": "<Response><Dial>+19005550100</Dial></Response>"}, "CallSid"),
        ({"DialCallSid": "<Hangup/>"}, "DialCallSid"),
        ({"DialCallSid": "CA" + "8" * 31 + "\x00"}, "DialCallSid"),
        ({"DialCallDuration": "4\x002"}, "DialCallDuration"),
    ],
)
def test_a_malformed_status_is_refused_naming_the_field(erin, dave, fields, field):
    post(call("dave", "client:erin"))

    response = post(dial_ended(**fields), path=STATUS)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert not CallRecord.objects.exists()


def test_a_status_replayed_after_the_rules_changed_keeps_the_first_record(erin, dave):
    post(call("dave", "client:erin"))
    post(dial_ended("completed", "42"), path=STATUS)
    erin.grant_rule.delete()
    dave.is_active = False
    dave.save()

    again = post(dial_ended("completed", "42"), path=STATUS)

    assert shape(twiml(again)) == HANG_UP
    record = CallRecord.objects.get()
    assert (record.user, record.dialled, record.duration) == (erin, "dave", 42)


def test_staff_find_calls_by_user_and_outcome(staff, erin, dave):
    post(call("dave", "client:erin"))
    post(dial_ended("busy", "0"), path=STATUS)
    CallRecord.objects.update(ended_at=timezone.now() - timedelta(days=1))

    page = staff.get(
        f"/admin/tokens/callrecord/?user__id__exact={erin.pk}&outcome=busy"
    )

    assert page.status_code == 200
    assert CALL_SID in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_status_while_the_database_fails_is_503_for_twilio_to_retry(
    erin, dave, caplog
):
    post(call("dave", "client:erin"))
    with database_failing():
        response = post(
            dial_ended(), path=STATUS, client=Client(raise_request_exception=False)
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"  # as every other 503
    assert response.json()["code"] == "database_unavailable"
    assert DRIVER_MESSAGE not in response.content.decode() + caplog.text
    assert not CallRecord.objects.exists()

    assert shape(twiml(post(dial_ended(), path=STATUS))) == HANG_UP  # the retry
    assert CallRecord.objects.get().call_sid == CALL_SID


def test_staff_see_a_call_record_named_by_direction_outcome_and_sid(staff, erin, dave):
    post(call("dave", "client:erin"))
    post(dial_ended(), path=STATUS)
    record = CallRecord.objects.get()

    page = staff.get(f"/admin/tokens/callrecord/{record.pk}/change/")

    assert page.status_code == 200
    assert f"outgoing call completed ({CALL_SID})" in page.content.decode()
