"""The bulk grant action on users and groups: review, apply, permissions, log."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

from tests.conftest import decode
from tests.helpers import html_of
from tokens.models import GrantRule

USERS = "/admin/tokens/user/"
GROUPS = "/admin/auth/group/"
# Every choice left as it is, so a test names only what it changes.
UNCHANGED = {
    "video": "",
    "voice_outgoing": "",
    "voice_incoming": "",
    "chat": "",
    "sync": "",
    "max_ttl": "",
    "seconds": "",
}


def post(client, url: str, owners, *, step: str, **choices):
    """The action's first step ("choose"), its review ("review") or "confirm"."""
    data = {"action": "change_grants", "_selected_action": [o.pk for o in owners]}
    if step == "choose":
        data["index"] = "0"
    else:
        data.update({**UNCHANGED, **choices, "apply": "1"})
    if step == "confirm":
        data["confirm"] = "1"
    return client.post(url, data)


def rule_of(owner) -> dict:
    return GrantRule.objects.filter(**{owner._meta.model_name: owner}).values(
        "video", "voice_outgoing", "voice_incoming", "chat", "sync", "max_ttl"
    )[0]


# --- the three steps -----------------------------------------------------------


def test_change_grants_first_asks_which_grants_to_set_or_clear(staff, alice, bob):
    html = html_of(post(staff, USERS, [alice, bob], step="choose"))

    assert "Change grants" in html
    for label in ("voice: outgoing calls", "chat (Conversations)", "sync"):
        assert label in html
    assert 'name="seconds"' in html
    assert 'name="action" value="change_grants"' in html


def test_review_lists_what_changes_for_whom_and_writes_nothing(staff, alice, bob):
    response = post(
        staff, USERS, [alice, bob], step="review", chat="off", sync="on",
        max_ttl="set", seconds="3600",
    )  # fmt: skip

    html = html_of(response)
    assert "Confirm grant changes" in html
    assert "chat (Conversations): yes → no" in html
    assert "sync: no → yes" in html
    assert "maximum token lifetime (seconds): server default → 3600 s" in html
    assert "new grant rule" in html  # bob has none yet
    assert 'name="confirm" value="1"' in html
    assert rule_of(alice)["chat"] is True
    assert not GrantRule.objects.filter(user=bob).exists()
    assert not LogEntry.objects.exists()


def test_confirming_changes_every_selected_users_rule_and_creates_missing_ones(
    staff, alice, bob
):
    response = post(
        staff, USERS, [alice, bob], step="confirm", chat="off", sync="on",
        max_ttl="set", seconds="3600",
    )  # fmt: skip

    assert response.status_code == 302
    assert rule_of(alice) == {
        "video": "listed",
        "voice_outgoing": False,
        "voice_incoming": False,
        "chat": False,
        "sync": True,
        "max_ttl": 3600,
    }
    assert rule_of(bob) == {**rule_of(alice), "video": "none"}
    messages = html_of(staff.get(USERS))
    assert "Changed the grants of 2 user(s)." in messages


def test_confirmed_changes_are_in_the_admin_log_with_old_and_new_values(
    staff, alice, bob, root
):
    post(staff, USERS, [alice, bob], step="confirm", sync="on")

    entries = {e.object_repr: e for e in LogEntry.objects.all()}
    assert set(entries) == {"Grants of alice", "Grants of bob"}
    assert entries["Grants of alice"].action_flag == CHANGE
    assert entries["Grants of bob"].action_flag == ADDITION
    assert {e.user for e in entries.values()} == {root}
    assert {e.content_type.model for e in entries.values()} == {"grantrule"}
    assert "sync: no → yes" in entries["Grants of alice"].get_change_message()


def test_a_user_given_sync_by_the_action_gets_a_sync_token(staff, bob, client_for):
    post(staff, USERS, [bob], step="confirm", sync="on")

    response = client_for(bob).get("/token", {"grants": "sync"})

    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == "bob"
    assert set(claims["grants"]) == {"identity", "data_sync"}


def test_clearing_sets_no_video_and_the_server_default_lifetime(staff, alice):
    GrantRule.objects.filter(user=alice).update(max_ttl=600)

    post(staff, USERS, [alice], step="confirm", video="none", max_ttl="clear")

    assert rule_of(alice)["video"] == "none"
    assert rule_of(alice)["max_ttl"] is None
    assert rule_of(alice)["chat"] is True  # left as it was


def test_a_selected_user_who_already_has_the_grants_is_left_alone(staff, alice):
    html = html_of(post(staff, USERS, [alice], step="review", chat="on"))
    assert "no change" in html
    assert 'name="confirm"' not in html

    post(staff, USERS, [alice], step="confirm", chat="on")

    assert not LogEntry.objects.exists()


def test_confirming_plans_again_from_the_rules_as_they_are_then(staff, alice):
    post(staff, USERS, [alice], step="review", chat="off", sync="on")
    # Someone else turns chat off meanwhile.
    GrantRule.objects.filter(user=alice).update(chat=False)

    post(staff, USERS, [alice], step="confirm", chat="off", sync="on")

    message = LogEntry.objects.get().get_change_message()
    assert "sync: no → yes" in message
    assert "chat" not in message


def test_change_grants_on_groups_changes_and_creates_group_rules(staff, team, crew):
    post(staff, GROUPS, [team, crew], step="confirm", voice_incoming="on")

    assert rule_of(team)["voice_incoming"] is True
    assert rule_of(team)["chat"] is True
    assert rule_of(crew)["voice_incoming"] is True
    assert GrantRule.objects.filter(user=None).count() == 2


@pytest.mark.parametrize(
    ("choices", "error"),
    [
        ({}, "Choose at least one change."),
        ({"max_ttl": "set"}, "Say how many seconds the maximum is."),
        ({"max_ttl": "set", "seconds": "179"}, "greater than or equal to 180"),
        ({"max_ttl": "set", "seconds": "86401"}, "less than or equal to 86400"),
        ({"chat": "maybe"}, "Select a valid choice."),
    ],
)
def test_an_invalid_choice_shows_the_form_again_and_changes_nothing(
    staff, alice, bob, choices, error
):
    for step in ("review", "confirm"):
        html = html_of(post(staff, USERS, [alice, bob], step=step, **choices))
        assert error in html
        assert "Confirm grant changes" not in html

    assert GrantRule.objects.count() == 1
    assert not LogEntry.objects.exists()


def test_the_review_posts_back_the_action_django_ran_not_the_last_one(staff, alice):
    # Django runs the `action` its `index` picks: the pages must post back
    # that one, or their next step would run another action.
    data = {
        **UNCHANGED,
        "sync": "on",
        "action": ["change_grants", "revoke_api_sessions"],
        "index": "0",
        "apply": "1",
        "_selected_action": [alice.pk],
    }

    html = html_of(staff.post(USERS, data))

    assert "Confirm grant changes" in html
    assert 'name="action" value="change_grants"' in html
    assert 'value="revoke_api_sessions"' not in html.split("<form")[-1]


# --- permissions ---------------------------------------------------------------


@pytest.mark.parametrize(("url", "owner"), [(USERS, "alice"), (GROUPS, "team")])
def test_staff_who_may_not_change_grant_rules_cannot_run_the_action(
    staff_with, request, url, owner
):
    target = request.getfixturevalue(owner)
    viewer = staff_with("view_user", "view_group", "view_grantrule", "add_grantrule")
    assert 'value="change_grants"' not in html_of(viewer.get(url))
    before = rule_of(target)

    post(viewer, url, [target], step="confirm", sync="on", video="any")

    assert rule_of(target) == before
    assert not LogEntry.objects.exists()


def test_staff_who_may_not_add_grant_rules_change_nobody_when_one_has_no_rule(
    staff_with, alice, bob
):
    changer = staff_with("view_user", "change_grantrule")
    html = html_of(post(changer, USERS, [alice, bob], step="review", sync="on"))
    assert "You may not create grant rules" in html
    assert 'name="confirm"' not in html

    response = post(changer, USERS, [alice, bob], step="confirm", sync="on")

    assert response.status_code == 302
    assert "Nothing changed" in html_of(changer.get(USERS))
    assert rule_of(alice)["sync"] is False
    assert not GrantRule.objects.filter(user=bob).exists()
    assert not LogEntry.objects.exists()


def test_staff_who_may_change_grant_rules_change_existing_ones_without_add(
    staff_with, alice
):
    changer = staff_with("view_user", "change_grantrule")

    post(changer, USERS, [alice], step="confirm", sync="on")

    assert rule_of(alice)["sync"] is True
    assert LogEntry.objects.get().action_flag == CHANGE
