"""Accounts at sign-in: created, linked by verified email, groups kept in step."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.test import APIClient

from tests.helpers import assert_refused
from tokens.models import User
from tokens.sso import rules, views
from tokens.sso.models import OidcLink

URL = "/api/auth/oidc/"
ON = rules.Policy(create_users=True, match_email=True)


def sign_in(id_token):
    return APIClient().post(URL, {"id_token": id_token}, format="json")


def test_rules_refuse_unknown_people_by_default():
    with pytest.raises(rules.Refused, match="oidc_user_unknown"):
        rules.decide(None, None, rules.Policy())
    assert rules.decide(None, None, ON) == "create"


def test_rules_refuse_a_deactivated_user_whatever_else():
    with pytest.raises(rules.Refused, match="account_inactive"):
        rules.decide(rules.Candidate(False, False), None, ON)


def test_rules_never_hand_a_staff_account_over_by_email():
    assert rules.decide(None, rules.Candidate(True, True), ON) == "create"
    assert rules.decide(None, rules.Candidate(True, False), ON) == "email"


@pytest.mark.parametrize(
    ("claims", "policy", "found"),
    [
        ({"email": "a@x.org", "email_verified": True}, ON, "a@x.org"),
        ({"email": "a@x.org", "email_verified": "true"}, ON, "a@x.org"),
        ({"email": "a@x.org", "email_verified": False}, ON, None),
        ({"email": "a@x.org"}, ON, None),
        ({"email": "a@x.org\n", "email_verified": True}, ON, None),
        ({"email": "a@x.org", "email_verified": True}, rules.Policy(), None),
    ],
)
def test_only_a_verified_email_with_matching_on_is_a_hint(claims, policy, found):
    assert rules.verified_email(claims, policy) == found


def test_groups_change_only_within_the_allow_list():
    policy = rules.Policy(groups_claim="groups", groups_allowed=frozenset({"a", "b"}))
    claims = {"groups": ["a", "admins", "x\x00"]}
    assert rules.group_changes(claims, {"b", "other"}, policy) == ({"a"}, {"b"})
    assert rules.group_changes(claims, set(), rules.Policy()) is None


def test_a_new_user_is_created_with_a_derived_identity_not_the_email(
    db, provider, settings
):
    settings.TOKENSERVER_OIDC_CREATE_USERS = True
    token = provider.id_token("new-sub", email="boss@example.com", email_verified=True)
    response = sign_in(token)
    assert response.status_code == 200, response.content
    user = User.objects.get(oidc_links__subject="new-sub")
    assert response.json()["identity"] == user.twilio_identity
    assert "boss" not in user.twilio_identity
    assert not user.has_usable_password()


def test_creation_off_refuses_and_writes_nothing(db, provider):
    assert_refused(sign_in(provider.id_token("new-sub")), 403, "oidc_user_unknown")
    assert not OidcLink.objects.exists()


def test_a_verified_email_links_an_existing_user_when_allowed(
    provider, settings, alice
):
    settings.TOKENSERVER_OIDC_MATCH_EMAIL = True
    alice.email = "alice@example.com"
    alice.save()
    unverified = provider.id_token("s", email="alice@example.com")
    assert_refused(sign_in(unverified), 403, "oidc_user_unknown")
    token = provider.id_token("s", email="ALICE@example.com", email_verified=True)
    assert sign_in(token).json()["identity"] == alice.twilio_identity
    assert OidcLink.objects.get().user == alice


def test_groups_follow_the_claim_at_each_sign_in(alice_linked, provider, settings):
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_GROUPS_ALLOWED = ["video", "desk"]
    video, desk = Group.objects.create(name="video"), Group.objects.create(name="desk")
    other = Group.objects.create(name="other")
    alice_linked.groups.add(desk, other)
    token = provider.id_token(groups=["video", "admins", "other\x00"])
    assert sign_in(token).status_code == 200
    assert set(alice_linked.groups.all()) == {video, other}
    assert not Group.objects.filter(name="admins").exists()
    assert sign_in(provider.id_token(groups=[])).status_code == 200
    assert set(alice_linked.groups.all()) == {other}


@pytest.mark.django_db(transaction=True)
def test_two_sign_ins_at_once_make_one_user_and_one_link(
    provider, settings, monkeypatch
):
    """On PostgreSQL both run at once and one loses on the unique constraint.

    The in-memory SQLite test database shares one connection between threads
    (tests/cross/test_concurrency.py): there they run one after the other.
    """
    settings.TOKENSERVER_OIDC_CREATE_USERS = True
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        lock, post = threading.Lock(), views.OidcLoginView.post

        def serialised(self, request, *args, **kwargs):
            with lock:
                return post(self, request, *args, **kwargs)

        monkeypatch.setattr(views.OidcLoginView, "post", serialised)
    token = provider.id_token("racing")
    sign_in(provider.id_token("warm-up"))  # keys fetched before the race
    start, answers = threading.Barrier(2), []

    def one():
        start.wait()
        answers.append(sign_in(token).status_code)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    assert OidcLink.objects.filter(subject="racing").count() == 1
    assert User.objects.filter(oidc_links__subject="racing").count() == 1
