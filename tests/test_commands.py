"""Management commands: prune_audit, seed_demo, and migrations being up to date."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.conftest import decode
from tokens.models import ApiToken, GrantRule, Room, RoomAccess, TokenEvent, User

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def event(user, *, age: timedelta) -> TokenEvent:
    return TokenEvent.objects.create(
        created_at=timezone.now() - age,
        user=user,
        identity=user.twilio_identity,
        outcome=TokenEvent.ISSUED,
    )


def test_prune_audit_deletes_old_events_and_expired_sessions_only(alice, client_for):
    old = [event(alice, age=timedelta(days=31)), event(alice, age=timedelta(days=400))]
    recent = event(alice, age=timedelta(days=29))
    expired, _ = ApiToken.objects.create(user=alice, expiry=timedelta(seconds=-1))
    live_client = client_for(alice, expiry=timedelta(hours=1))
    forever, _ = ApiToken.objects.create(user=alice, expiry=None)

    output = run("prune_audit", "--older-than", "30d")

    assert "Deleted 2 token events, 1 expired API tokens" in output
    assert set(TokenEvent.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not TokenEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert not ApiToken.objects.filter(pk=expired.pk).exists()
    assert ApiToken.objects.filter(pk=forever.pk).exists()
    assert ApiToken.objects.count() == 2
    assert live_client.get("/api/me/").status_code == 200


@pytest.mark.parametrize(
    ("age", "kept_age", "deleted_age"),
    [
        ("12h", timedelta(hours=11), timedelta(hours=13)),
        ("30m", timedelta(minutes=29), timedelta(minutes=31)),
    ],
    ids=["hours", "minutes"],
)
def test_prune_audit_understands_hours_and_minutes(alice, age, kept_age, deleted_age):
    event(alice, age=deleted_age)
    kept = event(alice, age=kept_age)

    output = run("prune_audit", "--older-than", age)

    assert "Deleted 1 token events, 0 expired API tokens" in output
    assert list(TokenEvent.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.parametrize("age", ["abc", "10x", "", "-5d", "d"])
def test_prune_audit_refuses_a_bad_age_and_deletes_nothing(alice, age):
    event(alice, age=timedelta(days=1000))

    with pytest.raises(CommandError):
        run("prune_audit", "--older-than", age)

    assert TokenEvent.objects.count() == 1


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        run("seed_demo")

    assert not User.objects.exists()
    assert not Room.objects.exists()


def printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(\S+)\s+password:\s*(\S+)\s*$", output, re.M))


@pytest.fixture
def seeded(db, settings) -> str:
    settings.DEBUG = True
    return run("seed_demo")


def test_seed_demo_prints_working_passwords(seeded):
    passwords = printed_passwords(seeded)

    assert set(passwords) == {"staff", "alice", "bob"}
    for username, password in passwords.items():
        user = authenticate(username=username, password=password)
        assert user is not None, username
        assert user.username == username


def test_seed_demo_creates_a_staff_superuser_and_two_plain_users(seeded):
    staff = User.objects.get(username="staff")
    assert staff.is_staff
    assert staff.is_superuser
    for name in ("alice", "bob"):
        user = User.objects.get(username=name)
        assert not user.is_staff
        assert not user.is_superuser


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "rules": GrantRule.objects.count(),
        "rooms": Room.objects.count(),
        "access": RoomAccess.objects.count(),
    }


def test_seed_demo_twice_creates_nothing_twice(seeded):
    first = counts()

    second_output = run("seed_demo")

    assert counts() == first
    assert first["rooms"] == Room.objects.values("name").distinct().count()
    passwords = printed_passwords(second_output)
    assert authenticate(username="bob", password=passwords["bob"]) is not None


def test_seeded_bob_may_join_standup_now(seeded, client_for):
    bob = User.objects.get(username="bob")

    response = client_for(bob).get("/token", {"room": "standup"})

    assert response.status_code == 200, response.json()
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == bob.twilio_identity
    assert claims["grants"]["video"] == {"room": "standup"}


def test_seeded_bob_may_join_standup_after_a_second_seed(seeded, client_for):
    run("seed_demo")
    bob = User.objects.get(username="bob")

    response = client_for(bob).get("/token", {"room": "standup"})

    assert response.status_code == 200, response.json()
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["video"] == {"room": "standup"}


def test_seed_demo_says_what_each_account_may_do_with_rooms_and_windows(seeded):
    lines = [line.strip() for line in seeded.splitlines()]

    assert any(
        line.startswith("staff") and "superuser" in line and "sync" in line
        for line in lines
    )
    assert "alice  video in any room, voice, chat, sync; tokens up to 14400 s" in lines
    assert "bob    video in listed rooms, chat; tokens up to 3600 s" in lines
    assert any(re.fullmatch(r"room standup: open until .+ UTC", x) for x in lines)
    assert any(
        re.fullmatch(r"room workshop: upcoming from .+ UTC until .+ UTC", x)
        for x in lines
    )


def test_seed_demo_refuses_an_existing_staff_user_it_did_not_create(db, settings):
    # A real database's `staff`: before, seed_demo made it a superuser with
    # the published demo password.
    settings.DEBUG = True
    User.objects.create_user("staff", password="a-real-password-of-staff")

    with pytest.raises(CommandError, match="only a database it created"):
        run("seed_demo")

    staff = User.objects.get(username="staff")
    assert not staff.is_superuser
    assert not staff.is_staff
    assert staff.check_password("a-real-password-of-staff")
    assert set(User.objects.values_list("username", flat=True)) == {"staff"}
    assert not Room.objects.exists()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: User.objects.create_user("carol"), id="a-user"),
        pytest.param(lambda: Room.objects.create(name="board"), id="a-room"),
        pytest.param(lambda: Group.objects.create(name="ops"), id="a-group"),
    ],
)
def test_seed_demo_refuses_a_database_it_did_not_create(db, settings, make):
    settings.DEBUG = True
    make()
    before = counts()

    with pytest.raises(CommandError, match="only a database it created"):
        run("seed_demo")

    assert counts() == before
    assert not User.objects.filter(username__in=["staff", "alice", "bob"]).exists()


def test_seed_demo_leaves_a_demo_user_made_again_by_hand_alone(seeded):
    # Deleted in the demo's admin and made again: no longer seed_demo's own.
    User.objects.filter(username="alice").delete()
    User.objects.create_user("alice", password="alice-own-password")

    with pytest.raises(CommandError, match="'alice'"):
        run("seed_demo")

    assert User.objects.get(username="alice").check_password("alice-own-password")


def test_seed_demo_runs_again_on_its_database_with_users_added_in_the_demo(seeded):
    User.objects.create_user("carol", password="carol-own-password")

    output = run("seed_demo")

    assert set(printed_passwords(output)) == {"staff", "alice", "bob"}
    carol = User.objects.get(username="carol")
    assert carol.check_password("carol-own-password")
    assert not carol.is_superuser


def test_migrations_match_the_models(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"Models have changes without a migration:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
