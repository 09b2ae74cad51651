"""GET and POST /token over HTTP, with the database, the audit log and the limits."""

import hashlib
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token_for, decode
from tests.helpers import logged_in, page_csrf_token, twilio
from tokens import errors
from tokens.limits import throttles
from tokens.models import GrantRule, Room, RoomAccess, TokenEvent, User

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

BODY_KEYS = {"identity", "token", "ttl", "expires_at", "grants", "room"}


# --- helpers -----------------------------------------------------------------


def outcomes() -> list[str]:
    return list(TokenEvent.objects.values_list("outcome", flat=True))


def assert_issued(response) -> tuple[dict, dict, dict]:
    """A 200 with a token that verifies; return body, JWT header and claims."""
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    header, claims = decode(body["token"])
    return body, header, claims


def assert_refused(response, status: int, code: str, *, earlier: int = 0) -> dict:
    """A refusal without a token, recorded once and only once in the audit log.

    `earlier` is the number of events written before the refused request.
    """
    assert response.status_code == status, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["code"] == code
    assert "token" not in body
    events = TokenEvent.objects.order_by("created_at")
    assert events.count() == earlier + 1
    latest = events.last()
    assert latest.outcome == code
    assert latest.jwt_sha256 == ""
    if status == 503:  # clients back off: README "Error codes"
        assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    return body


def assert_not_authenticated(response, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["code"] == code
    assert "token" not in body
    assert not TokenEvent.objects.exists()


def without(name: str, value=None) -> dict:
    """settings.TWILIO with one variable unset (or set to a raw value)."""
    raw = dict(settings.TWILIO)
    raw[name] = value
    return raw


# --- fixtures ----------------------------------------------------------------


@pytest.fixture
def make_user(db):
    """A user with an optional personal rule (keyword arguments of GrantRule)."""

    def make(username: str, **rule) -> User:
        user = User.objects.create_user(username, password=PASSWORD)
        if rule:
            GrantRule.objects.create(user=user, **rule)
        return user

    return make


@pytest.fixture
def alice_client(alice, client_for):
    return client_for(alice)


@pytest.fixture
def session_client(alice):
    """A browser logged in as alice, which has fetched the login page (CSRF cookie)."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/accounts/login/").status_code == 200
    return client


# --- the token ---------------------------------------------------------------


def test_alice_with_room_access_gets_a_video_and_chat_token_twilio_accepts(
    alice_in_room, alice_client
):
    before = int(time.time())
    response = alice_client.get("/token", {"room": "standup"})
    after = time.time()

    body, header, claims = assert_issued(response)
    assert header["alg"] == "HS256"
    assert header["cty"] == "twilio-fpa;v=1"
    assert claims["iss"] == twilio("TWILIO_API_KEY")
    assert claims["sub"] == twilio("TWILIO_ACCOUNT_SID")
    assert claims["grants"]["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}
    assert claims["grants"]["chat"]["service_sid"] == twilio(
        "TWILIO_CONVERSATIONS_SERVICE_SID"
    )
    assert set(claims["grants"]) == {"identity", "video", "chat"}
    assert before <= claims["nbf"] <= after
    assert claims["exp"] - claims["nbf"] == body["ttl"]


def test_token_response_has_exactly_the_documented_fields(alice_in_room, alice_client):
    body, _, claims = assert_issued(alice_client.get("/token", {"room": "standup"}))

    assert set(body) == BODY_KEYS
    assert body["identity"] == "alice"
    assert body["grants"] == ["video", "chat"]
    assert body["room"] == "standup"
    assert body["ttl"] == settings.TOKENSERVER_DEFAULT_TTL
    assert body["expires_at"].endswith("Z")
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at == datetime.fromtimestamp(claims["exp"], tz=UTC)


def test_token_without_room_for_listed_video_user_has_chat_only(alice, alice_client):
    body, _, claims = assert_issued(alice_client.get("/token"))

    assert body["grants"] == ["chat"]
    assert body["room"] is None
    assert set(claims["grants"]) == {"identity", "chat"}


def test_device_names_the_chat_endpoint_and_push_credential_is_in_chat_and_voice(
    make_user, client_for
):
    dana = make_user("dana", chat=True, voice_incoming=True)

    response = client_for(dana).get("/token", {"device": "iphone7"})

    _, _, claims = assert_issued(response)
    push = twilio("TWILIO_PUSH_CREDENTIAL_SID")
    assert claims["grants"]["chat"]["endpoint_id"] == "tokenserver:dana:iphone7"
    assert claims["grants"]["chat"]["push_credential_sid"] == push
    assert claims["grants"]["voice"]["push_credential_sid"] == push


def test_alice_device_is_in_her_chat_endpoint(alice_client, alice):
    _, _, claims = assert_issued(alice_client.get("/token", {"device": "iphone7"}))

    assert claims["grants"]["chat"]["endpoint_id"] == "tokenserver:alice:iphone7"


def test_user_with_outgoing_and_incoming_voice_gets_both_in_the_voice_grant(
    make_user, client_for
):
    caller = make_user("caller", voice_outgoing=True, voice_incoming=True)

    body, _, claims = assert_issued(client_for(caller).get("/token"))

    assert body["grants"] == ["voice"]
    voice = claims["grants"]["voice"]
    assert voice["outgoing"]["application_sid"] == twilio("TWILIO_TWIML_APP_SID")
    assert voice["incoming"]["allow"] is True


def test_user_with_only_incoming_voice_gets_no_outgoing_calls(make_user, client_for):
    receiver = make_user("receiver", voice_incoming=True)

    _, _, claims = assert_issued(client_for(receiver).get("/token"))

    voice = claims["grants"]["voice"]
    assert voice["incoming"]["allow"] is True
    assert "outgoing" not in voice


def test_user_with_video_in_any_room_and_no_room_gets_an_unlocked_video_grant(
    make_user, client_for
):
    roamer = make_user("roamer", video="any")

    body, _, claims = assert_issued(client_for(roamer).get("/token"))

    assert body["grants"] == ["video"]
    assert body["room"] is None
    assert claims["grants"]["video"] == {}


def test_user_with_video_in_any_room_who_names_a_room_is_locked_to_it(
    make_user, client_for, room
):
    roamer = make_user("roamer", video="any")

    body, _, claims = assert_issued(
        client_for(roamer).get("/token", {"room": "standup"})
    )

    assert body["room"] == "standup"
    assert claims["grants"]["video"] == {"room": "standup"}


# --- groups ------------------------------------------------------------------


def test_group_rule_gives_its_grants_to_members(bob, client_for):
    callers = Group.objects.create(name="callers")
    GrantRule.objects.create(group=callers, voice_incoming=True, chat=True)
    bob.groups.add(callers)

    body, _, claims = assert_issued(client_for(bob).get("/token"))

    assert body["grants"] == ["voice", "chat"]
    assert claims["grants"]["identity"] == "bob"
    assert claims["grants"]["voice"]["incoming"]["allow"] is True


def test_group_rule_gives_nothing_to_non_members(bob, charlie, client_for):
    callers = Group.objects.create(name="callers")
    GrantRule.objects.create(group=callers, voice_incoming=True, chat=True)
    bob.groups.add(callers)

    assert_refused(client_for(charlie).get("/token"), 403, "no_grants")


def test_group_room_access_lets_members_into_the_room(alice, room, client_for):
    team = Group.objects.create(name="standup-team")
    RoomAccess.objects.create(room=room, group=team)
    alice.groups.add(team)

    body, _, claims = assert_issued(
        client_for(alice).get("/token", {"room": "standup"})
    )

    assert body["room"] == "standup"
    assert claims["grants"]["video"] == {"room": "standup"}


def test_group_room_access_does_not_let_non_members_in(
    alice, room, make_user, client_for
):
    team = Group.objects.create(name="standup-team")
    RoomAccess.objects.create(room=room, group=team)
    alice.groups.add(team)
    outsider = make_user("outsider", video="listed")

    response = client_for(outsider).get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted")


# --- request forms -----------------------------------------------------------


def test_post_with_json_body_issues_a_token(alice_in_room, alice_client):
    response = alice_client.post(
        "/token", {"room": "standup", "device": "ipad"}, format="json"
    )

    body, _, claims = assert_issued(response)
    assert body["room"] == "standup"
    assert claims["grants"]["video"] == {"room": "standup"}
    assert claims["grants"]["chat"]["endpoint_id"] == "tokenserver:alice:ipad"


def test_post_with_form_body_issues_a_token(alice_in_room, alice_client):
    response = alice_client.post(
        "/token",
        urlencode({"room": "standup", "device": "ipad"}),
        content_type="application/x-www-form-urlencoded",
    )

    body, _, claims = assert_issued(response)
    assert body["room"] == "standup"
    assert claims["grants"]["video"] == {"room": "standup"}
    assert claims["grants"]["chat"]["endpoint_id"] == "tokenserver:alice:ipad"


def test_post_with_session_and_no_csrf_token_is_forbidden(alice_in_room):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice_in_room.user)

    response = browser.post(
        "/token", {"room": "standup"}, content_type="application/json"
    )

    assert response.status_code == 403, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "CSRF" in body["detail"]
    assert "token" not in body
    assert not TokenEvent.objects.exists()


def test_post_with_session_and_csrf_token_issues_a_token(alice_in_room, session_client):
    response = session_client.post(
        "/token",
        {"room": "standup"},
        format="json",
        HTTP_X_CSRFTOKEN=page_csrf_token(session_client),
    )

    body, _, claims = assert_issued(response)
    assert body["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}


def test_get_with_session_issues_a_token(alice_in_room):
    browser = logged_in(alice_in_room.user)

    body, _, claims = assert_issued(browser.get("/token", {"room": "standup"}))

    assert body["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}


def test_identity_equal_to_the_users_own_is_accepted(alice, alice_client):
    body, _, claims = assert_issued(alice_client.get("/token", {"identity": "alice"}))

    assert body["identity"] == "alice"
    assert claims["grants"]["identity"] == "alice"


# --- authentication ----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_request_without_credentials_is_401_asking_for_a_token(db, method):
    response = getattr(APIClient(), method)("/token")

    assert_not_authenticated(response, "not_authenticated")


@pytest.mark.parametrize(
    "header",
    [
        "Token " + "0" * 64,
        "Token not-a-token",
    ],
)
def test_request_with_a_bad_token_is_401(alice, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/token")

    assert_not_authenticated(response, "authentication_failed")


# --- refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"room": "nowhere"}, 403, "room_not_permitted"),
        ({"grants": "voice"}, 403, "grant_not_permitted"),
        ({"grants": "video,sync"}, 403, "grant_not_permitted"),
        ({"grants": "video"}, 400, "room_required"),
        ({"identity": "bob"}, 403, "identity_mismatch"),
        ({"ttl": "100"}, 400, "invalid"),
        ({"ttl": "179"}, 400, "invalid"),
        ({"ttl": "abc"}, 400, "invalid"),
        ({"grants": "video,fax"}, 400, "invalid"),
        ({"room": ["standup", "standup"]}, 400, "invalid"),
        ({"room": "not a room"}, 400, "invalid"),
        ({"device": "my phone"}, 400, "invalid"),
    ],
)
def test_alice_is_refused_what_she_may_not_have(
    alice_in_room, alice_client, params, status, code
):
    response = alice_client.get("/token", params)

    assert_refused(response, status, code)


def test_ttl_above_the_maximum_is_invalid(settings, alice, alice_client):
    settings.TOKENSERVER_DEFAULT_MAX_TTL = 1800
    settings.TOKENSERVER_DEFAULT_TTL = 600

    response = alice_client.get("/token", {"ttl": "1801"})

    body = assert_refused(response, 400, "invalid")
    assert body["fields"] == {"ttl": [body["fields"]["ttl"][0]]}
    assert "1800" in body["fields"]["ttl"][0]


def test_ttl_at_the_maximum_is_accepted(settings, alice, alice_client):
    settings.TOKENSERVER_DEFAULT_MAX_TTL = 1800
    settings.TOKENSERVER_DEFAULT_TTL = 600

    body, _, claims = assert_issued(alice_client.get("/token", {"ttl": "1800"}))

    assert body["ttl"] == 1800
    assert claims["exp"] - claims["nbf"] == 1800


def test_unknown_room_is_refused(alice, alice_client):
    response = alice_client.get("/token", {"room": "nowhere"})

    assert_refused(response, 403, "room_not_permitted")


def test_inactive_room_is_refused(alice_in_room, alice_client):
    Room.objects.filter(pk=alice_in_room.room_id).update(active=False)

    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted")


def test_room_without_access_is_refused(alice, room, alice_client):
    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted")


@pytest.mark.parametrize(
    ("starts_in", "ends_in"),
    [
        pytest.param(timedelta(hours=1), timedelta(hours=2), id="not-started"),
        pytest.param(timedelta(hours=1), None, id="not-started-open-ended"),
        pytest.param(-timedelta(hours=2), -timedelta(hours=1), id="ended"),
        pytest.param(None, -timedelta(seconds=1), id="ended-no-start"),
    ],
)
def test_room_access_outside_its_window_is_refused(
    alice, room, alice_client, starts_in, ends_in
):
    now = timezone.now()
    RoomAccess.objects.create(
        room=room,
        user=alice,
        starts_at=now + starts_in if starts_in is not None else None,
        ends_at=now + ends_in if ends_in is not None else None,
    )

    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted")


def test_another_users_room_access_does_not_let_alice_in(
    alice, bob, room, alice_client
):
    RoomAccess.objects.create(room=room, user=bob)

    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted")


def test_user_without_rules_gets_no_grants(bob, client_for):
    response = client_for(bob).get("/token")

    assert_refused(response, 403, "no_grants")
    assert TokenEvent.objects.get().identity == "bob"


def test_user_with_no_video_rule_naming_a_room_is_refused(make_user, room, client_for):
    chatter = make_user("chatter", chat=True)
    RoomAccess.objects.create(room=room, user=chatter)

    response = client_for(chatter).get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted")


def test_post_with_parameters_in_the_query_string_is_invalid(
    alice_in_room, alice_client
):
    response = alice_client.post("/token?room=standup", {}, format="json")

    body = assert_refused(response, 400, "invalid")
    assert "room" in body["fields"]


@pytest.mark.parametrize(
    "raw_secret",
    [
        pytest.param(None, id="unset"),
        pytest.param(("TWILIO_API_SECRET", "short $ecret!"), id="malformed"),
    ],
)
def test_missing_api_secret_is_503_naming_the_variable_and_no_value(
    settings, alice_in_room, alice_client, raw_secret
):
    settings.TWILIO = without("TWILIO_API_SECRET", raw_secret)

    response = alice_client.get("/token", {"room": "standup"})

    body = assert_refused(response, 503, "twilio_not_configured")
    assert "TWILIO_API_SECRET" in body["detail"]
    text = response.content.decode()
    assert "short $ecret!" not in text
    for name, found in settings.TWILIO.items():
        if found is not None:
            assert found[1] not in text, name


def test_grant_without_its_service_sid_is_503_grant_not_configured(
    settings, alice, alice_client
):
    GrantRule.objects.filter(user=alice).update(sync=True)
    settings.TWILIO = without("TWILIO_SYNC_SERVICE_SID")

    response = alice_client.get("/token", {"grants": "sync"})

    body = assert_refused(response, 503, "grant_not_configured")
    assert "sync" in body["detail"]


def test_default_grants_with_only_unconfigured_ones_left_are_503_naming_them(
    settings, alice, alice_client
):
    # alice may get listed-room video and chat: without a room, chat is all
    # that is left, and the server has no Conversations service. The answer
    # tells the operator what to configure; no_grants would blame alice.
    settings.TWILIO = without("TWILIO_CONVERSATIONS_SERVICE_SID")

    response = alice_client.get("/token")

    body = assert_refused(response, 503, "grant_not_configured")
    assert body["detail"] == "The server is not configured for: chat."


def test_grants_that_are_configured_still_come_without_an_unconfigured_one(
    settings, alice, alice_client
):
    GrantRule.objects.filter(user=alice).update(sync=True)
    settings.TWILIO = without("TWILIO_SYNC_SERVICE_SID")

    body, _, claims = assert_issued(alice_client.get("/token"))

    assert body["grants"] == ["chat"]
    assert "sync" not in claims["grants"]


# --- the audit log -----------------------------------------------------------


def test_issued_token_is_recorded_once_with_a_hash_and_never_the_jwt(
    alice_in_room, alice_client
):
    response = alice_client.get(
        "/token",
        {"room": "standup", "device": "iphone7"},
        HTTP_USER_AGENT="TokenTest/1.0 (iPhone)",
    )

    body, _, claims = assert_issued(response)
    jwt = body["token"]
    event = TokenEvent.objects.get()
    assert event.outcome == "issued"
    assert event.user == alice_in_room.user
    assert event.identity == "alice"
    assert event.grants == "video,chat"
    assert event.room == "standup"
    assert event.device == "iphone7"
    assert event.ttl == body["ttl"]
    assert event.expires_at == datetime.fromisoformat(body["expires_at"])
    assert event.expires_at == datetime.fromtimestamp(claims["exp"], tz=UTC)
    assert event.client_ip == "127.0.0.1"
    assert event.user_agent == "TokenTest/1.0 (iPhone)"
    assert event.jwt_sha256 == hashlib.sha256(jwt.encode()).hexdigest()
    row = TokenEvent.objects.filter(pk=event.pk).values().get()
    for part in [jwt, *jwt.split(".")[1:]]:
        for column, value in row.items():
            assert part not in str(value), column


# --- changes take effect at once ---------------------------------------------


def test_removed_room_access_refuses_the_very_next_request(alice_in_room, alice_client):
    assert_issued(alice_client.get("/token", {"room": "standup"}))
    alice_in_room.delete()

    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted", earlier=1)


def test_deactivated_room_refuses_the_very_next_request(alice_in_room, alice_client):
    assert_issued(alice_client.get("/token", {"room": "standup"}))
    room = alice_in_room.room
    room.active = False
    room.save()

    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "room_not_permitted", earlier=1)


def test_removed_rule_refuses_the_very_next_request(alice_in_room, alice_client):
    assert_issued(alice_client.get("/token", {"room": "standup"}))
    GrantRule.objects.filter(user=alice_in_room.user).delete()

    response = alice_client.get("/token", {"room": "standup"})

    assert_refused(response, 403, "no_grants", earlier=1)


# --- lifetime ----------------------------------------------------------------


def test_ttl_is_cut_to_the_end_of_the_room_window(alice, room, alice_client):
    ends_at = timezone.now() + timedelta(minutes=10)
    RoomAccess.objects.create(room=room, user=alice, ends_at=ends_at)

    response = alice_client.get("/token", {"room": "standup", "ttl": "3600"})

    body, _, claims = assert_issued(response)
    assert 0 < body["ttl"] <= 600
    assert claims["exp"] - claims["nbf"] == body["ttl"]
    assert claims["exp"] <= ends_at.timestamp()
    assert datetime.fromisoformat(body["expires_at"]) <= ends_at


# --- throttling --------------------------------------------------------------


def test_third_request_in_a_minute_is_throttled_with_retry_after(
    monkeypatch, alice, alice_client
):
    monkeypatch.setattr(
        throttles.TokenRateThrottle, "THROTTLE_RATES", {"token": "2/min"}
    )
    assert_issued(alice_client.get("/token"))
    assert_issued(alice_client.get("/token"))

    response = alice_client.get("/token")

    assert response.status_code == 429, response.content
    assert response["Cache-Control"] == "no-store"
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert "token" not in body
    assert outcomes() == ["issued", "issued"]


# --- query budget ------------------------------------------------------------


def test_token_request_stays_within_three_queries(
    alice_in_room, alice_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = alice_client.get("/token", {"room": "standup"})

    assert_issued(response)


def test_token_request_query_count_does_not_grow_with_data(
    alice_in_room, client_for, django_assert_max_num_queries
):
    alice = alice_in_room.user
    now = timezone.now()
    rooms = Room.objects.bulk_create(Room(name=f"room-{i}") for i in range(50))
    groups = Group.objects.bulk_create(Group(name=f"team-{i}") for i in range(20))
    alice.groups.add(*groups)
    GrantRule.objects.bulk_create(
        GrantRule(group=group, chat=True, max_ttl=3600) for group in groups
    )
    RoomAccess.objects.bulk_create(
        [RoomAccess(room=rooms[i], group=group) for i, group in enumerate(groups)]
        + [RoomAccess(room=alice_in_room.room, group=group) for group in groups[:5]]
    )
    for _ in range(29):
        api_token_for(alice)
    TokenEvent.objects.bulk_create(
        TokenEvent(
            created_at=now - timedelta(minutes=i),
            user=alice,
            identity="alice",
            outcome="issued",
        )
        for i in range(200)
    )
    client = client_for(alice)

    with django_assert_max_num_queries(3):
        response = client.get("/token", {"room": "standup"})

    _, _, claims = assert_issued(response)
    assert claims["grants"]["video"] == {"room": "standup"}
    assert TokenEvent.objects.count() == 201


@pytest.mark.parametrize("site", ["cross-site", "same-site", "Cross-Site"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_session_request_from_another_site_is_refused_before_anything(
    alice_in_room, monkeypatch, site, method
):
    """A link or form elsewhere cannot make a logged-in browser mint a token."""
    monkeypatch.setattr(
        throttles.TokenRateThrottle, "THROTTLE_RATES", {"token": "1/min"}
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice_in_room.user)
    send = getattr(browser, method)

    response = send("/token", {"room": "standup"}, headers={"Sec-Fetch-Site": site})

    assert response.status_code == 403
    assert response.json()["code"] == "cross_site_request"
    assert "token" not in response.json()
    assert not TokenEvent.objects.exists()
    # Nothing was counted: the one request a minute is still there.
    same_origin = browser.get(
        "/token", {"room": "standup"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same_origin.status_code == 200


@pytest.mark.parametrize("site", ["same-origin", "none", None])
def test_session_request_from_the_sites_own_pages_works(alice_in_room, site):
    browser = logged_in(alice_in_room.user)
    headers = {"Sec-Fetch-Site": site} if site else {}

    assert_issued(browser.get("/token", {"room": "standup"}, headers=headers))


def test_api_token_request_from_another_site_works(alice_in_room, alice_client):
    """API tokens are not sent by the browser on its own: no cross-site risk."""
    response = alice_client.get(
        "/token", {"room": "standup"}, headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert_issued(response)


def test_cross_site_request_without_a_session_is_401(db):
    response = Client().get("/token", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_me_from_another_site_with_a_session_is_refused(alice):
    browser = logged_in(alice)

    response = browser.get("/api/me/", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403
    assert response.json()["code"] == "cross_site_request"


def test_session_post_from_another_site_in_an_older_browser_is_refused(alice_in_room):
    """No Sec-Fetch-Site (Safari before 16.4): the Origin of the POST tells."""
    browser = logged_in(alice_in_room.user)

    response = browser.post(
        "/token", {"room": "standup"}, headers={"Origin": "https://evil.example"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "cross_site_request"
    assert not TokenEvent.objects.exists()
