"""The web pages for users: my access, API sessions, get a token, demo, phones."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from tests.conftest import PASSWORD, api_token_for, decode
from tests.helpers import bearer, form_csrf_token, html_of, page_csrf_token, row_with
from tokens.credentials import DEMO_WARNING
from tokens.models import ApiToken, GrantRule, Room, RoomAccess, TokenEvent, User

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

# --- helpers -----------------------------------------------------------------


def assert_token_refused_as_unauthenticated(token: str) -> None:
    before = TokenEvent.objects.count()
    response = bearer(token).get("/token")
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert "token" not in body
    assert TokenEvent.objects.count() == before


def assert_token_issues_chat(token: str, identity: str) -> None:
    response = bearer(token).get("/token")
    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == identity
    assert (
        claims["grants"]["chat"]["service_sid"]
        == (django_settings.TWILIO["TWILIO_CONVERSATIONS_SERVICE_SID"][1])
    )


def logged_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


# --- fixtures ----------------------------------------------------------------


@pytest.fixture
def alice_rooms(alice, alice_in_room) -> dict[str, Room]:
    """Alice's rooms, one in each state, and one that ended too long ago."""
    now = timezone.now()
    rooms = {"open": alice_in_room.room}
    windows = {
        "upcoming": ("retro", "Sprint retro", True, now + timedelta(days=1), None),
        "ended": (
            "kickoff",
            "Project kickoff",
            True,
            now - timedelta(days=3),
            now - timedelta(days=2),
        ),
        "ended_long_ago": (
            "launch",
            "Launch party",
            True,
            now - timedelta(days=9),
            now - timedelta(days=8),
        ),
        "inactive": ("archive", "Old archive", False, None, None),
    }
    for state, (name, display, active, starts, ends) in windows.items():
        room = Room.objects.create(name=name, display_name=display, active=active)
        RoomAccess.objects.create(room=room, user=alice, starts_at=starts, ends_at=ends)
        rooms[state] = room
    return rooms


@pytest.fixture
def dave(db) -> User:
    """May join any room."""
    user = User.objects.create_user("dave", password=PASSWORD)
    GrantRule.objects.create(user=user, video="any")
    return user


@pytest.fixture
def sessions(alice, bob) -> dict[str, str]:
    """API tokens: two live ones of alice, an expired one of alice, one of bob."""
    tokens = {
        "alice-laptop": api_token_for(alice, device="alice-laptop"),
        "alice-phone": api_token_for(alice, device="alice-phone"),
        "alice-old-tablet": api_token_for(alice, device="alice-old-tablet"),
        "bob-phone": api_token_for(bob, device="bob-phone"),
    }
    ApiToken.objects.filter(device="alice-old-tablet").update(
        expiry=timezone.now() - timedelta(minutes=1)
    )
    return tokens


def digest_of(device: str) -> str:
    return ApiToken.objects.get(device=device).digest


# --- anonymous visitors ------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/get-token/"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_anonymous_post_to_revoke_all_is_sent_to_login_and_revokes_nothing(
    client, sessions
):
    response = client.post("/sessions/revoke-all/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sessions/revoke-all/"
    assert ApiToken.objects.count() == 4


def test_anonymous_post_to_revoke_one_is_sent_to_login_and_revokes_nothing(
    client, sessions
):
    path = f"/sessions/{digest_of('alice-laptop')}/revoke/"

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert ApiToken.objects.count() == 4
    assert_token_issues_chat(sessions["alice-laptop"], "alice")


def test_user_logs_in_with_the_login_form_and_lands_on_next(client, alice):
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": "/get-token/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/get-token/"
    assert "Get a token" in html_of(client.get("/get-token/"))


# --- my access ---------------------------------------------------------------


def test_my_access_shows_the_twilio_identity(alice):
    alice.twilio_identity = "alice-at-work"
    alice.save()

    html = html_of(logged_in(alice).get("/"))

    assert "<code>alice-at-work</code>" in html


def test_my_access_shows_each_grant_with_the_rules_giving_it(alice, team):
    html = html_of(logged_in(alice).get("/"))

    video = row_with(html, "<strong>video</strong>")
    assert "(listed rooms only)" in video
    assert '<td data-label="Why">personal</td>' in video
    chat = row_with(html, "<strong>chat</strong>")
    assert '<td data-label="Why">personal, group team</td>' in chat
    sync = row_with(html, "<strong>sync</strong>")
    assert '<td data-label="Why">group team</td>' in sync
    assert "<strong>voice</strong>" not in html


def test_my_access_of_a_superuser_gives_superuser_as_the_reason(root):
    html = html_of(logged_in(root).get("/"))

    for grant in ("video", "voice", "chat", "sync"):
        row = row_with(html, f"<strong>{grant}</strong>")
        assert '<td data-label="Why">superuser</td>' in row
    assert "(any room)" in row_with(html, "<strong>video</strong>")


def test_my_access_notes_video_in_any_room(dave):
    html = html_of(logged_in(dave).get("/"))

    assert "(any room)" in row_with(html, "<strong>video</strong>")
    assert "You may join any room" in html


def test_my_access_lists_rooms_with_their_state(alice, alice_rooms):
    html = html_of(logged_in(alice).get("/"))

    for state, name in [
        ("open", "standup"),
        ("upcoming", "retro"),
        ("ended", "kickoff"),  # ended this week: listed, so users see it closed
        ("inactive", "archive"),
    ]:
        row = row_with(html, f"<code>{name}</code>")
        assert f'<span class="badge {state}">{state}</span>' in row, (name, row)
        assert '<td data-label="Why">personal</td>' in row
        assert escape(alice_rooms[state].display_name) in row, (name, row)


def test_my_access_hides_rooms_that_ended_more_than_a_week_ago(alice, alice_rooms):
    html = html_of(logged_in(alice).get("/"))

    assert "<code>launch</code>" not in html
    assert "Launch party" not in html


def test_my_access_lists_own_live_api_sessions_with_device(alice, sessions):
    html = html_of(logged_in(alice).get("/"))

    for device in ("alice-laptop", "alice-phone"):
        row = row_with(html, f'<td data-label="Device">{device}</td>')
        assert f'action="/sessions/{digest_of(device)}/revoke/"' in row
    assert 'action="/sessions/revoke-all/"' in html


def test_my_access_does_not_list_expired_sessions(alice, sessions):
    html = html_of(logged_in(alice).get("/"))

    assert "alice-old-tablet" not in html
    assert digest_of("alice-old-tablet") not in html


def test_my_access_never_shows_another_users_sessions(alice, sessions):
    html = html_of(logged_in(alice).get("/"))

    assert "bob-phone" not in html
    assert digest_of("bob-phone") not in html


def test_my_access_of_a_user_without_rules_says_there_are_no_grants(bob, sessions):
    html = html_of(logged_in(bob).get("/"))

    assert "<code>bob</code>" in html
    assert "You have no grants yet. Ask staff for access." in html
    assert "<strong>video</strong>" not in html
    assert "<strong>chat</strong>" not in html
    assert "bob-phone" in html
    assert "alice-laptop" not in html


def test_my_access_names_permitted_grants_the_server_cannot_sign(alice, team, settings):
    settings.TWILIO = {**settings.TWILIO, "TWILIO_SYNC_SERVICE_SID": None}

    html = html_of(logged_in(alice).get("/"))

    assert "Permitted but not configured on this server: sync" in html
    assert "<strong>sync</strong>" not in html


# --- revoking API sessions ---------------------------------------------------


def post_home_form(client: Client, path: str, **extra):
    """Post to `path` what a form of the home page sends: its CSRF token."""
    token = page_csrf_token(client, "/")
    return client.post(path, {"csrfmiddlewaretoken": token}, **extra)


def test_revoking_one_session_deletes_only_it(alice, sessions):
    client = logged_in(alice, csrf=True)

    response = post_home_form(
        client, f"/sessions/{digest_of('alice-laptop')}/revoke/", follow=True
    )

    html = html_of(response)
    assert response.redirect_chain == [("/", 302)]
    assert "The API session is revoked." in html
    assert "alice-laptop" not in html
    assert set(ApiToken.objects.values_list("device", flat=True)) == {
        "alice-phone",
        "alice-old-tablet",
        "bob-phone",
    }
    assert_token_refused_as_unauthenticated(sessions["alice-laptop"])
    assert_token_issues_chat(sessions["alice-phone"], "alice")


def test_revoking_another_users_session_deletes_nothing(alice, sessions):
    client = logged_in(alice, csrf=True)

    response = post_home_form(
        client, f"/sessions/{digest_of('bob-phone')}/revoke/", follow=True
    )

    html = html_of(response)
    assert "No such API session." in html
    assert "bob-phone" not in html
    assert ApiToken.objects.count() == 4
    me = bearer(sessions["bob-phone"]).get("/api/me/")
    assert me.status_code == 200
    assert me.json()["identity"] == "bob"


def test_revoke_url_refuses_get(alice, sessions):
    response = logged_in(alice).get(f"/sessions/{digest_of('alice-laptop')}/revoke/")

    assert response.status_code == 405
    assert ApiToken.objects.count() == 4


def test_revoke_all_url_refuses_get(alice, sessions):
    response = logged_in(alice).get("/sessions/revoke-all/")

    assert response.status_code == 405
    assert ApiToken.objects.count() == 4


def test_revoking_all_sessions_deletes_the_users_sessions_only(alice, sessions):
    client = logged_in(alice, csrf=True)

    response = post_home_form(client, "/sessions/revoke-all/", follow=True)

    html = html_of(response)
    assert "3 API session(s) revoked." in html
    assert "No active API sessions." in html
    assert list(ApiToken.objects.values_list("device", flat=True)) == ["bob-phone"]
    assert_token_refused_as_unauthenticated(sessions["alice-laptop"])
    assert_token_refused_as_unauthenticated(sessions["alice-phone"])
    assert bearer(sessions["bob-phone"]).get("/api/me/").status_code == 200


def test_revoking_one_session_without_csrf_token_is_forbidden(alice, sessions):
    client = logged_in(alice, csrf=True)
    client.get("/")

    response = client.post(f"/sessions/{digest_of('alice-laptop')}/revoke/")

    assert response.status_code == 403
    assert ApiToken.objects.count() == 4
    assert_token_issues_chat(sessions["alice-laptop"], "alice")


def test_revoking_all_sessions_without_csrf_token_is_forbidden(alice, sessions):
    client = logged_in(alice, csrf=True)
    client.get("/")

    response = client.post("/sessions/revoke-all/")

    assert response.status_code == 403
    assert ApiToken.objects.count() == 4


def test_revoking_with_a_wrong_csrf_token_is_forbidden(alice, sessions):
    client = logged_in(alice, csrf=True)
    client.get("/")

    response = client.post("/sessions/revoke-all/", {"csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403
    assert ApiToken.objects.count() == 4


# --- get a token -------------------------------------------------------------


def test_get_token_offers_only_the_grants_the_user_may_get(alice):
    html = html_of(logged_in(alice).get("/get-token/"))

    offered = re.findall(r'name="grants" value="([a-z]+)"', html)
    assert offered == ["video", "chat"]


def test_get_token_does_not_offer_a_grant_the_server_cannot_sign(alice, team, settings):
    settings.TWILIO = {**settings.TWILIO, "TWILIO_SYNC_SERVICE_SID": None}

    html = html_of(logged_in(alice).get("/get-token/"))

    assert re.findall(r'name="grants" value="([a-z]+)"', html) == ["video", "chat"]


def test_get_token_lists_only_rooms_open_now_in_a_select(alice, alice_rooms):
    html = html_of(logged_in(alice).get("/get-token/"))

    select = re.search(r'<select id="room" name="room">(.*?)</select>', html, re.S)
    assert select, html
    options = re.findall(r'<option value="([^"]*)">', select.group(1))
    assert options == ["", "standup"]
    for name in ("retro", "kickoff", "launch", "archive"):
        assert f'value="{name}"' not in html


def test_get_token_gives_a_free_text_room_field_to_any_room_users(dave, room):
    RoomAccess.objects.create(room=room, user=dave)

    html = html_of(logged_in(dave).get("/get-token/"))

    assert re.search(r'<input type="text" id="room" name="room"', html)
    assert "<select" not in html
    assert '<option value="standup">' in html  # a suggestion, not a restriction


def test_get_token_ttl_field_is_bounded_by_the_users_maximum(alice):
    alice.grant_rule.max_ttl = 7200
    alice.grant_rule.save()

    html = html_of(logged_in(alice).get("/get-token/"))

    ttl = re.search(r'<input type="number" id="ttl"[^>]*>', html)
    assert ttl, html
    assert 'min="180"' in ttl.group(0)
    assert 'max="7200"' in ttl.group(0)
    assert 'value="3600"' in ttl.group(0)


def test_get_token_form_asks_the_token_endpoint_with_a_csrf_token(alice):
    html = html_of(logged_in(alice).get("/get-token/"))

    form = re.search(r'<form id="token-form"[^>]*>', html)
    assert form
    assert 'data-url="/token"' in form.group(0)
    assert form_csrf_token(html)
    assert '<script src="/static/tokens/get_token.js"></script>' in html
    assert finders.find("tokens/get_token.js")


def test_get_token_of_a_user_without_rules_says_there_are_no_grants(bob):
    html = html_of(logged_in(bob).get("/get-token/"))

    assert "You have no grants yet. Ask staff for access." in html
    assert 'id="token-form"' not in html


def test_the_form_token_and_session_get_a_token_from_the_endpoint(alice_in_room):
    """What get_token.js does: POST the form to data-url with X-CSRFToken."""
    client = logged_in(alice_in_room.user, csrf=True)
    html = html_of(client.get("/get-token/"))

    response = client.post(
        "/token",
        urlencode({"grants": "video,chat", "room": "standup", "ttl": "600"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=form_csrf_token(html),
    )

    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}
    assert claims["exp"] - claims["nbf"] == 600


# --- demo mode ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/get-token/"])
def test_demo_warning_shows_on_pages_in_demo_mode(alice, demo, path):
    html = html_of(logged_in(alice).get(path))

    assert escape(DEMO_WARNING) in html
    assert 'class="warning" role="alert"' in html


@pytest.mark.parametrize("path", ["/", "/get-token/"])
def test_no_demo_warning_with_real_credentials(alice, path):
    html = html_of(logged_in(alice).get(path))

    assert "DEMO MODE" not in html


# --- phones, header, logout --------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/get-token/", "/accounts/login/"])
def test_pages_are_readable_on_a_phone(client, alice, path):
    if path != "/accounts/login/":
        client.force_login(alice)
    html = html_of(client.get(path))

    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    )
    link = re.search(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert link
    href = unescape(link.group(1))
    assert href == "/static/tokens/site.css"
    stylesheet = finders.find("tokens/site.css")
    assert stylesheet
    with open(stylesheet, encoding="utf-8") as css:
        assert "@media" in css.read()


def test_logout_is_a_post_form_in_the_header(alice):
    html = html_of(logged_in(alice).get("/"))

    header = re.search(r"<header>(.*?)</header>", html, re.S)
    assert header
    form = re.search(
        r'<form method="post" action="/accounts/logout/">(.*?)</form>',
        header.group(1),
        re.S,
    )
    assert form
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert 'type="submit"' in form.group(1)


def test_logging_out_with_post_ends_the_session(alice):
    client = logged_in(alice, csrf=True)

    response = post_home_form(client, "/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    after = client.get("/")
    assert after.status_code == 302
    assert after["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    "path", ["/accounts/password_reset/", "/accounts/password_change/"]
)
def test_password_reset_and_change_pages_are_not_served(client, path):
    """They would need mail and bypass the lockout; staff manage passwords."""
    assert client.get(path).status_code == 404
