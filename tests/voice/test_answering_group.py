"""The answering group chosen in the admin ("Incoming calls"): it wins over
TWILIO_INCOMING_CALL_GROUP, only staff with its change permission choose it,
and the configuration page says which group answers and why."""

import pytest
from django.contrib.auth.models import Group

from tests.helpers import html_of
from tests.standins.twilio_voice_posts import INCOMING, incoming, post, shape, twiml
from tokens.models import GrantRule, User
from tokens.voice.models import IncomingCalls

PAGE = "/admin/tokens/incomingcalls/"
CHANGE = f"{PAGE}1/change/"
ADD = f"{PAGE}add/"


@pytest.fixture
def support(db):
    """A second group whose member gina may receive calls."""
    group = Group.objects.create(name="support")
    GrantRule.objects.create(group=group, voice_incoming=True)
    User.objects.create_user("gina").groups.add(group)
    return group


def rung() -> list[str]:
    ((_, _, nouns),) = shape(twiml(post(incoming(), path=INCOMING)))
    return [identity for _, identity in nouns]


def answering_paragraph(html: str) -> str:
    return html.split('<p id="answering-group">', 1)[1].split("</p>", 1)[0]


def test_the_group_chosen_in_the_admin_wins_over_the_environment(
    staff, desk, dave, support
):
    dave.groups.add(desk)
    assert rung() == ["dave"]

    response = staff.post(ADD, {"group": support.pk})

    assert response.status_code == 302
    assert rung() == ["gina"]


def test_emptying_the_choice_returns_to_the_environments_group(
    staff, desk, dave, support
):
    dave.groups.add(desk)
    IncomingCalls.objects.create(group=support)

    response = staff.post(CHANGE, {"group": ""})

    assert response.status_code == 302
    assert rung() == ["dave"]


def test_a_chosen_group_rings_even_without_the_environment(settings, support):
    settings.TWILIO_INCOMING_CALL_GROUP = ""
    IncomingCalls.objects.create(group=support)

    assert rung() == ["gina"]


def test_the_list_leads_to_the_one_row_and_no_second_can_be_added(staff, support):
    IncomingCalls.objects.create(group=support)

    assert staff.get(PAGE).headers["Location"] == CHANGE
    assert staff.get(ADD).status_code == 403
    html = html_of(staff.get(CHANGE))
    assert "support, chosen in the admin" in html
    assert "gina" in html  # rings now


@pytest.mark.parametrize("codenames", [(), ("view_incomingcalls",)])
def test_staff_without_the_change_permission_cannot_choose_the_group(
    staff_with, desk, support, codenames
):
    IncomingCalls.objects.create(group=None)
    client = staff_with(*codenames)

    response = client.post(CHANGE, {"group": support.pk})

    assert response.status_code == 403
    assert client.post(ADD, {"group": support.pk}).status_code == 403
    assert IncomingCalls.objects.get().group is None


def test_staff_without_any_permission_do_not_see_the_page(staff_with, support):
    client = staff_with("view_callrecord")

    assert client.get(PAGE).status_code == 403
    assert client.post(ADD, {"group": support.pk}).status_code == 403
    assert not IncomingCalls.objects.exists()


def test_staff_with_the_change_permission_choose_the_group(staff_with, support):
    client = staff_with(
        "view_incomingcalls", "change_incomingcalls", "add_incomingcalls"
    )

    assert client.post(ADD, {"group": support.pk}).status_code == 302

    assert IncomingCalls.objects.get().group == support


def test_the_answering_group_cannot_be_deleted_while_it_answers(staff, support):
    IncomingCalls.objects.create(group=support)

    response = staff.post(f"/admin/auth/group/{support.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200  # the page naming what protects it
    assert "incoming calls" in response.content.decode().lower()
    assert Group.objects.filter(pk=support.pk).exists()


def test_an_incoming_call_reads_a_constant_number_of_queries_with_a_choice(
    support, django_assert_max_num_queries
):
    IncomingCalls.objects.create(group=support)

    with django_assert_max_num_queries(5):
        assert rung() == ["gina"]


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        ("admin", "support, chosen in the admin (it wins over the environment)."),
        ("environment", "desk, from TWILIO_INCOMING_CALL_GROUP (none chosen here)."),
        ("missing", "TWILIO_INCOMING_CALL_GROUP names desk, which does not exist"),
        ("none", "No group answers"),
    ],
)
def test_the_configuration_page_shows_the_effective_group(
    staff, settings, support, setup, said
):
    if setup == "admin":
        IncomingCalls.objects.create(group=support)
    if setup in ("admin", "environment"):
        Group.objects.create(name=settings.TWILIO_INCOMING_CALL_GROUP)
    if setup == "none":
        settings.TWILIO_INCOMING_CALL_GROUP = ""

    shown = answering_paragraph(html_of(staff.get("/admin/configuration/")))

    assert said in shown
    assert 'href="/admin/tokens/incomingcalls/"' in shown


def test_the_configuration_page_offers_the_choice_only_to_who_may_make_it(
    staff_with,
):
    client = staff_with("view_twilio_configuration")

    shown = answering_paragraph(html_of(client.get("/admin/configuration/")))

    assert "Choose it" not in shown
