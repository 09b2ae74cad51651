"""Identities, the user-or-group rules, room access windows and room names."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tokens.identity import IDENTITY_PATTERN
from tokens.models import GrantRule, RoomAccess, User, validate_room_name


def assert_valid_identity(value: str) -> None:
    assert re.fullmatch(IDENTITY_PATTERN, value), value
    assert len(value) <= 121


def test_identity_is_derived_from_the_username(db):
    user = User.objects.create_user("jane.doe")

    user.refresh_from_db()
    assert user.twilio_identity == "jane_doe"


def test_usernames_reducing_to_the_same_identity_get_different_identities(db):
    first = User.objects.create_user("a.b")
    second = User.objects.create_user("a_b")

    assert first.twilio_identity == "a_b"
    assert second.twilio_identity == "a_b_2"
    assert_valid_identity(second.twilio_identity)


def test_derived_identity_avoids_an_identity_staff_set_on_someone_else(db):
    User.objects.create_user("someone", twilio_identity="jane_doe")

    jane = User.objects.create_user("jane.doe")

    assert jane.twilio_identity == "jane_doe_2"


def test_identity_does_not_change_when_the_username_changes(db):
    user = User.objects.create_user("jane.doe")

    user.username = "jane.smith"
    user.save()

    user.refresh_from_db()
    assert user.username == "jane.smith"
    assert user.twilio_identity == "jane_doe"


def test_clearing_an_identity_derives_it_again_without_counting_the_users_own(db):
    # Staff clear the field in the admin to have it derived: the user's own
    # stored identity does not make the name "taken".
    user = User.objects.create_user("bob")
    user.twilio_identity = ""
    user.save()

    user.refresh_from_db()
    assert user.twilio_identity == "bob"
    other = User.objects.create_user("bob.")  # reduces to "bob" too
    assert other.twilio_identity == "bob_2"


def test_staff_can_set_an_identity_on_creation_and_change_it_later(db):
    user = User.objects.create_user("jane.doe", twilio_identity="Jane_1")
    user.refresh_from_db()
    assert user.twilio_identity == "Jane_1"

    user.twilio_identity = "jane_renamed"
    user.save()

    user.refresh_from_db()
    assert user.twilio_identity == "jane_renamed"


def test_a_duplicate_explicit_identity_is_refused_by_the_database(db):
    User.objects.create_user("first", twilio_identity="shared")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("second", twilio_identity="shared")

    assert User.objects.filter(twilio_identity="shared").count() == 1
    assert not User.objects.filter(username="second").exists()


def test_an_identity_with_forbidden_characters_fails_validation(db):
    user = User(username="jane", twilio_identity="jane doe")

    with pytest.raises(ValidationError) as caught:
        user.full_clean()

    assert "twilio_identity" in caught.value.message_dict


def test_a_username_of_150_characters_yields_a_valid_identity(db):
    user = User.objects.create_user("j" * 150)

    assert_valid_identity(user.twilio_identity)
    assert user.twilio_identity == "j" * 121


def test_long_usernames_differing_past_the_limit_get_distinct_valid_identities(db):
    first = User.objects.create_user("j" * 140 + "a" * 10)
    second = User.objects.create_user("j" * 140 + "b" * 10)

    assert first.twilio_identity != second.twilio_identity
    assert_valid_identity(first.twilio_identity)
    assert_valid_identity(second.twilio_identity)


def test_a_username_of_only_symbols_gets_the_identity_user(db):
    first = User.objects.create_user("...")
    second = User.objects.create_user("@@@")

    assert first.twilio_identity == "user"
    assert second.twilio_identity == "user_2"


@pytest.fixture
def jane(db):
    return User.objects.create_user("jane")


@pytest.fixture
def team(db):
    return Group.objects.create(name="team")


@pytest.mark.parametrize("owners", ["both", "neither"])
@pytest.mark.parametrize("model", [GrantRule, RoomAccess], ids=["rule", "access"])
def test_rule_or_access_for_both_a_user_and_a_group_or_for_neither_is_refused(
    jane, team, standup, model, owners
):
    required = {GrantRule: {"chat": True}, RoomAccess: {"room": standup}}[model]
    user_and_group = {"user": jane, "group": team} if owners == "both" else {}

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**required, **user_and_group)

    assert not model.objects.exists()


def test_grant_rules_for_a_user_or_a_group_are_accepted(jane, team):
    GrantRule.objects.create(user=jane, chat=True)
    GrantRule.objects.create(group=team, video="any")

    assert GrantRule.objects.count() == 2


@pytest.mark.parametrize(
    "length", [timedelta(0), -timedelta(minutes=1)], ids=["equal", "before"]
)
def test_room_access_ending_at_or_before_its_start_is_refused(jane, standup, length):
    starts_at = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        RoomAccess.objects.create(
            room=standup, user=jane, starts_at=starts_at, ends_at=starts_at + length
        )

    assert not RoomAccess.objects.exists()


def test_room_access_with_a_window_or_open_ends_is_accepted(jane, team, standup):
    starts_at = timezone.now()
    RoomAccess.objects.create(
        room=standup, user=jane, starts_at=starts_at, ends_at=starts_at + timedelta(1)
    )
    RoomAccess.objects.create(room=standup, group=team, starts_at=starts_at)
    RoomAccess.objects.create(room=standup, group=team, ends_at=starts_at)

    assert RoomAccess.objects.count() == 3


@pytest.mark.parametrize(
    "name",
    ["bad name", "", "r" * 129, "-leading-dash", ".hidden", "room/1", "salle-é"],
)
def test_room_name_validator_rejects(name):
    with pytest.raises(ValidationError):
        validate_room_name(name)


@pytest.mark.parametrize(
    "name", ["standup", "team-1.a_b", "R", "7", "r" * 128, "All-Hands_2024.q1"]
)
def test_room_name_validator_accepts(name):
    validate_room_name(name)


def test_a_duplicate_username_is_refused_not_retried_with_other_identities(alice):
    # The username's unique constraint, not the identity's: no identity
    # would help, so the save fails at once and the user keeps none.
    twin = User(username="alice")
    twin.set_password("x")

    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()

    assert twin.twilio_identity == ""
    assert User.objects.filter(username="alice").count() == 1
