"""What a user sees of their own access over the API: /api/me/, and demo mode."""

import os
from datetime import timedelta

import jwt
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import decode
from tests.helpers import logged_in, parse_iso
from tokens.credentials import DEMO_VALUES, DEMO_WARNING
from tokens.models import GrantRule, Room, RoomAccess, TokenEvent

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")


@pytest.fixture
def retro(db):
    return Room.objects.create(name="retro", display_name="Sprint retro")


@pytest.fixture
def alice_tomorrow(alice, retro):
    start = timezone.now() + timedelta(days=1)
    return RoomAccess.objects.create(
        room=retro, user=alice, starts_at=start, ends_at=start + timedelta(hours=1)
    )


@pytest.fixture
def alice_ended(alice):
    room = Room.objects.create(name="kickoff", display_name="Kick-off")
    return RoomAccess.objects.create(
        room=room,
        user=alice,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(hours=1),
    )


# /api/me/


def test_me_lists_alices_grants_and_her_open_and_upcoming_rooms(
    alice, client_for, alice_in_room, alice_tomorrow, alice_ended
):
    response = client_for(alice).get("/api/me/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["identity"] == "alice"
    assert body["grants"] == ["video", "chat"]
    assert body["not_configured"] == []
    assert body["video"] == "listed"
    assert body["demo"] is False
    assert "warning" not in body
    assert body["sources"] == {"video": ["personal"], "chat": ["personal"]}
    rooms = {room["name"]: room for room in body["rooms"]}
    assert set(rooms) == {"standup", "retro"}
    assert [room["name"] for room in body["rooms"]] == ["retro", "standup"]

    standup = rooms["standup"]
    assert standup["state"] == "open"
    assert standup["display_name"] == "Daily stand-up"
    assert standup["active"] is True
    assert standup["source"] == "personal"
    assert standup["starts_at"] is None
    assert parse_iso(standup["ends_at"]) == alice_in_room.ends_at

    upcoming = rooms["retro"]
    assert upcoming["state"] == "upcoming"
    assert parse_iso(upcoming["starts_at"]) == alice_tomorrow.starts_at
    assert parse_iso(upcoming["ends_at"]) == alice_tomorrow.ends_at


def test_me_is_never_cached(alice, client_for):
    # It names the user's rooms and grants: no shared cache may keep it.
    response = client_for(alice).get("/api/me/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_me_reports_the_token_lifetimes(alice, client_for, settings):
    settings.TOKENSERVER_DEFAULT_TTL = 600
    settings.TOKENSERVER_DEFAULT_MAX_TTL = 1800
    body = client_for(alice).get("/api/me/").json()
    assert body["default_ttl"] == 600
    assert body["max_ttl"] == 1800


def test_me_default_ttl_is_what_token_gives_without_ttl_even_below_the_minimum(
    alice, alice_in_room, client_for, settings
):
    settings.TOKENSERVER_DEFAULT_TTL = 60  # below the 180 s a token lasts at least
    client = client_for(alice)

    me = client.get("/api/me/").json()
    issued = client.get("/token", {"room": "standup"}).json()

    assert me["default_ttl"] == issued["ttl"] == 180


def test_me_shows_a_group_rule_and_group_room_as_their_source(alice, client_for, retro):
    team = Group.objects.create(name="team")
    alice.groups.add(team)
    GrantRule.objects.create(group=team, sync=True, chat=True)
    RoomAccess.objects.create(room=retro, group=team)
    body = client_for(alice).get("/api/me/").json()
    assert body["grants"] == ["video", "chat", "sync"]
    assert set(body["sources"]) == {"video", "chat", "sync"}
    assert body["sources"]["video"] == ["personal"]
    assert body["sources"]["sync"] == ["group team"]
    assert set(body["sources"]["chat"]) == {"personal", "group team"}
    [room] = body["rooms"]
    assert room["name"] == "retro"
    assert room["source"] == "group team"
    assert room["state"] == "open"


def test_me_of_a_user_without_rules_lists_nothing(bob, client_for):
    response = client_for(bob).get("/api/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["identity"] == "bob"
    assert body["grants"] == []
    assert body["video"] == "none"
    assert body["rooms"] == []
    assert body["sources"] == {}
    assert body["demo"] is False


def test_me_does_not_show_other_users_rooms(bob, client_for, alice_in_room):
    assert client_for(bob).get("/api/me/").json()["rooms"] == []


def test_me_without_authentication_is_refused(alice, alice_in_room):
    response = APIClient().get("/api/me/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert "identity" not in body
    assert "rooms" not in body


def test_me_works_with_a_browser_session(alice, alice_in_room):
    browser = logged_in(alice)
    response = browser.get("/api/me/")
    assert response.status_code == 200
    assert response.json()["identity"] == "alice"


def test_me_writes_no_audit_record(alice, client_for):
    client_for(alice).get("/api/me/")
    assert not TokenEvent.objects.exists()


# Demo mode


def test_demo_mode_is_announced_by_me(alice, client_for, demo):
    body = client_for(alice).get("/api/me/").json()
    assert body["demo"] is True
    assert body["warning"] == DEMO_WARNING
    assert body["grants"] == ["video", "chat"]


def test_demo_token_is_signed_with_the_demo_secret(alice, client_for, demo):
    response = client_for(alice).get("/token")
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        DEMO_VALUES["TWILIO_API_SECRET"],
        algorithms=["HS256"],
        options={"require": ["exp", "nbf", "iss", "sub", "jti"]},
    )
    assert header["cty"] == "twilio-fpa;v=1"
    assert claims["iss"] == DEMO_VALUES["TWILIO_API_KEY"]
    assert claims["sub"] == DEMO_VALUES["TWILIO_ACCOUNT_SID"]
    assert claims["grants"]["identity"] == "alice"
    assert (
        claims["grants"]["chat"]["service_sid"]
        == (DEMO_VALUES["TWILIO_CONVERSATIONS_SERVICE_SID"])
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, os.environ["TWILIO_API_SECRET"], algorithms=["HS256"])


def test_demo_is_refused_without_debug(alice, client_for, demo, settings):
    settings.DEBUG = False
    response = client_for(alice).get("/token")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "twilio_not_configured"
    assert "token" not in body
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == [
        "twilio_not_configured"
    ]
    me = client_for(alice).get("/api/me/").json()
    assert me["demo"] is False
    assert "warning" not in me
    assert me["grants"] == []


def test_demo_is_ignored_when_twilio_is_configured(alice, client_for, settings):
    settings.TOKENSERVER_DEMO = True
    settings.DEBUG = True
    assert client_for(alice).get("/api/me/").json()["demo"] is False
    response = client_for(alice).get("/token")
    assert response.status_code == 200, response.json()
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == "alice"
