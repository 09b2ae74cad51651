"""Staff set the call policy on grant rules, see it on "effective access", and
read every routing decision in the admin, which they cannot change."""

import pytest

from tests.helpers import html_of, row_with
from tests.standins.twilio_voice_posts import call, post
from tokens.models import CallDecision, GrantRule

RULES = "/admin/tokens/grantrule/"


def rule_form(user, **fields) -> dict:
    return {
        "user": user.pk,
        "video": "none",
        "calls": "any",
        "call_prefixes": "",
        **fields,
    }


def test_staff_give_phone_numbers_with_prefixes_on_a_rule(staff, frank):
    response = staff.post(
        RULES + "add/",
        rule_form(frank, voice_outgoing="on", calls="phone", call_prefixes="+1, +44"),
    )

    assert response.status_code == 302, response.content
    rule = GrantRule.objects.get(user=frank)
    assert rule.call_rule("personal").prefixes == ("+1", "+44")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"calls": "phone", "call_prefixes": "+1, 44"},
            "Not a dialling prefix: &#x27;44&#x27;",
        ),
        ({"calls": "phone", "call_prefixes": "+1<script>"}, "Not a dialling prefix"),
        ({"calls": "any", "call_prefixes": "+1"}, "Prefixes apply only when phone"),
    ],
)
def test_prefixes_that_cannot_apply_are_refused_by_the_form(
    staff, frank, fields, message
):
    response = staff.post(
        RULES + "add/", rule_form(frank, voice_outgoing="on", **fields)
    )

    assert message in html_of(response)
    assert not GrantRule.objects.filter(user=frank).exists()


def test_the_effective_access_page_shows_whom_a_user_may_call(staff, erin):
    html = html_of(staff.get(f"/admin/tokens/user/{erin.pk}/access/"))

    assert (
        "Outgoing calls to: <strong>Any identity, and phone numbers with the "
        "allowed prefixes</strong> (given by personal)"
    ) in html
    assert "<code>+1</code>, <code>+447</code>" in html
    assert "Incoming calls: no" in html


def test_the_effective_access_page_says_when_nobody_may_be_called(staff, dave):
    html = html_of(staff.get(f"/admin/tokens/user/{dave.pk}/access/"))

    assert "Outgoing calls to: <strong>Nobody</strong>" in html
    assert "Incoming calls: yes" in html


def test_routing_decisions_are_listed_read_only(staff, erin, frank):
    post(call("frank", "client:erin"))
    (row,) = CallDecision.objects.all()

    listing = html_of(
        staff.get("/admin/tokens/calldecision/?code=callee_not_permitted")
    )
    assert "callee_not_permitted" in listing
    assert staff.get("/admin/tokens/calldecision/add/").status_code == 403
    change = html_of(staff.get(f"/admin/tokens/calldecision/{row.pk}/change/"))
    assert 'name="code"' not in change


@pytest.mark.parametrize("model", ["calldecision", "callrecord"])
def test_staff_without_the_view_permission_cannot_read_calls(staff_with, model):
    client = staff_with("view_user", "view_grantrule")

    assert client.get(f"/admin/tokens/{model}/").status_code == 403


def test_even_with_every_permission_a_routing_decision_cannot_be_deleted(staff_with):
    client = staff_with(
        "view_calldecision", "change_calldecision", "delete_calldecision"
    )
    row = CallDecision.objects.create(
        direction="outgoing", outcome="refused", code="caller_unknown"
    )

    response = client.post(
        f"/admin/tokens/calldecision/{row.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert CallDecision.objects.filter(pk=row.pk).exists()


def voice_row(html: str, variable: str) -> str:
    return row_with(
        html.split("<h2>Voice calls</h2>", 1)[1], f"<code>{variable}</code>"
    )


def test_the_configuration_page_lists_the_voice_settings(staff):
    html = html_of(staff.get("/admin/configuration/"))

    assert "/webhooks/twilio/voice/incoming" in html
    assert "<code>+15005550006</code>" in voice_row(html, "TWILIO_CALLER_ID")
    assert "<td>present</td>" in voice_row(html, "TWILIO_INCOMING_CALL_GROUP")


@pytest.mark.parametrize(("value", "status"), [("", "missing"), ("555", "malformed")])
def test_the_configuration_page_marks_a_missing_or_bad_caller_id(
    staff, settings, value, status
):
    settings.TWILIO_CALLER_ID = value

    html = html_of(staff.get("/admin/configuration/"))

    assert f"<td>{status}</td>" in voice_row(html, "TWILIO_CALLER_ID")
