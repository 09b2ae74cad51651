"""The admin: staff manage users, rooms and access; the audit log is read-only."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.conftest import PASSWORD, api_token_for
from tests.helpers import (
    admin_url,
    assert_login_page_refused,
    errors_on_page,
    form_data,
    html_of,
)
from tokens.limits import throttles
from tokens.models import ApiToken, GrantRule, Room, RoomAccess, TokenEvent, User


@pytest.fixture
def audit_event(alice) -> TokenEvent:
    return TokenEvent.objects.create(
        user=alice,
        identity=alice.twilio_identity,
        outcome=TokenEvent.ISSUED,
        grants="chat",
        ttl=3600,
        jwt_sha256="ab" * 32,
    )


@pytest.fixture
def team(alice) -> Group:
    group = Group.objects.create(name="team")
    alice.groups.add(group)
    GrantRule.objects.create(group=group, sync=True)
    return group


@pytest.fixture
def alice_session(alice) -> ApiToken:
    api_token_for(alice, device="laptop")
    return ApiToken.objects.get(user=alice)


@pytest.fixture
def one_of_each(alice, team, alice_in_room, alice_session, audit_event):
    return {
        User: alice,
        Group: team,
        Room: alice_in_room.room,
        RoomAccess: alice_in_room,
        GrantRule: alice.grant_rule,
        ApiToken: alice_session,
        TokenEvent: audit_event,
    }


MODELS = [User, Group, Room, RoomAccess, GrantRule, ApiToken, TokenEvent]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_superuser_sees_the_changelist(admin_client, model, one_of_each):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert one_of_each[model] in response.context["cl"].result_list


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_superuser_sees_the_change_page(admin_client, model, one_of_each):
    obj = one_of_each[model]

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj


def test_user_change_page_shows_identity_grants_rooms_and_sessions(
    admin_client, alice, alice_in_room, alice_session
):
    response = admin_client.get(admin_url(User, "change", alice.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="twilio_identity"' in html
    assert 'value="alice"' in html
    assert 'id="grant_rule-group"' in html
    assert "Grant permissions" in html
    assert 'id="room_accesses-group"' in html
    assert 'id="auth_token_set-group"' in html
    assert "API sessions (delete to revoke)" in html
    assert "laptop" in html


def test_room_change_page_shows_who_has_access(admin_client, alice_in_room):
    response = admin_client.get(admin_url(Room, "change", alice_in_room.room.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="accesses-group"' in html
    assert 'name="accesses-0-user"' in html
    assert f'value="{alice_in_room.user.pk}"' in html


def test_staff_can_set_a_users_identity_in_the_admin(admin_client, bob):
    url = admin_url(User, "change", bob.pk)
    data = form_data(admin_client.get(url))
    data.update({"twilio_identity": "bob_custom", "_save": "Save"})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.twilio_identity == "bob_custom"


def test_staff_can_save_a_user_who_has_an_api_session(
    admin_client, alice, alice_session
):
    url = admin_url(User, "change", alice.pk)
    data = form_data(admin_client.get(url))
    data.update({"first_name": "Alice", "_save": "Save"})

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_on_page(response)
    alice.refresh_from_db()
    assert alice.first_name == "Alice"
    assert ApiToken.objects.filter(pk=alice_session.pk).exists()


def test_staff_revoke_an_api_session_from_the_user_page(
    admin_client, alice, client_for
):
    api = client_for(alice, device="phone")
    assert api.get("/token").status_code == 200
    url = admin_url(User, "change", alice.pk)
    data = form_data(admin_client.get(url))
    data.update({"auth_token_set-0-DELETE": "on", "_save": "Save"})

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_on_page(response)
    assert not ApiToken.objects.filter(user=alice).exists()
    assert api.get("/token").status_code == 401


def test_staff_without_permissions_is_forbidden_the_audit_log(
    client, charlie, audit_event
):
    client.force_login(charlie)

    response = client.get("/admin/tokens/tokenevent/")

    assert response.status_code == 403
    assert audit_event.identity.encode() not in response.content


def test_non_staff_is_sent_to_the_admin_login_from_the_audit_log(
    client, bob, audit_event
):
    client.force_login(bob)

    response = client.get("/admin/tokens/tokenevent/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "next=/admin/tokens/tokenevent/" in response["Location"]


def test_anonymous_visitor_is_sent_to_the_admin_login(client, audit_event):
    response = client.get("/admin/tokens/tokenevent/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_token_events_cannot_be_added(admin_client):
    response = admin_client.get(admin_url(TokenEvent, "add"))

    assert response.status_code == 403
    post = admin_client.post(admin_url(TokenEvent, "add"), {"identity": "x"})
    assert post.status_code == 403
    assert not TokenEvent.objects.exists()


def test_token_event_change_page_has_no_save_button(admin_client, audit_event):
    response = admin_client.get(admin_url(TokenEvent, "change", audit_event.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert "deletelink" not in html


def test_token_event_cannot_be_changed_by_post(admin_client, audit_event):
    url = admin_url(TokenEvent, "change", audit_event.pk)

    response = admin_client.post(url, {"outcome": "forged", "_save": "Save"})

    assert response.status_code == 403
    audit_event.refresh_from_db()
    assert audit_event.outcome == TokenEvent.ISSUED


def test_token_event_cannot_be_deleted(admin_client, audit_event):
    url = admin_url(TokenEvent, "delete", audit_event.pk)

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert TokenEvent.objects.filter(pk=audit_event.pk).exists()


def test_token_events_cannot_be_deleted_with_the_bulk_action(admin_client, audit_event):
    admin_client.post(
        admin_url(TokenEvent, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(audit_event.pk)],
            "post": "yes",
        },
    )

    assert TokenEvent.objects.filter(pk=audit_event.pk).exists()


def test_revoking_an_api_session_in_the_admin_makes_its_token_fail(
    admin_client, alice, client_for
):
    api = client_for(alice)
    assert api.get("/token").status_code == 200
    session = ApiToken.objects.get(user=alice)
    other_api = client_for(alice)

    response = admin_client.post(
        admin_url(ApiToken, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [session.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=session.pk).exists()
    refused = api.get("/token")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert "token" not in refused.json()
    assert other_api.get("/token").status_code == 200


def test_api_sessions_cannot_be_added_in_the_admin(admin_client):
    response = admin_client.get(admin_url(ApiToken, "add"))

    assert response.status_code == 403


@pytest.fixture
def windows(alice, room):
    now = timezone.now()
    hour = timedelta(hours=1)
    closed = Room.objects.create(name="closed", active=False)
    return {
        "open": RoomAccess.objects.create(
            room=room, user=alice, starts_at=now - hour, ends_at=now + hour
        ),
        "ended": RoomAccess.objects.create(
            room=room, user=alice, starts_at=now - 2 * hour, ends_at=now - hour
        ),
        "upcoming": RoomAccess.objects.create(
            room=room, user=alice, starts_at=now + hour, ends_at=now + 2 * hour
        ),
        "inactive_room": RoomAccess.objects.create(room=closed, user=alice),
    }


def listed(admin_client, query: str) -> set[RoomAccess]:
    response = admin_client.get(admin_url(RoomAccess, "changelist") + query)
    assert response.status_code == 200
    return set(response.context["cl"].queryset)


def test_active_now_filter_lists_only_access_open_now(admin_client, windows):
    assert listed(admin_client, "?active_now=yes") == {windows["open"]}


def test_active_now_filter_no_lists_every_access_not_open_now(admin_client, windows):
    assert listed(admin_client, "?active_now=no") == {
        windows["ended"],
        windows["upcoming"],
        windows["inactive_room"],
    }


def test_room_access_changelist_without_filter_lists_everything(admin_client, windows):
    assert listed(admin_client, "") == set(windows.values())


def room_access_form(room, **values) -> dict[str, str]:
    data = {
        "room": str(room.pk),
        "user": "",
        "group": "",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "_save": "Save",
    }
    data.update(values)
    return data


def test_room_access_for_a_user_is_added_through_the_admin(admin_client, alice, room):
    response = admin_client.post(
        admin_url(RoomAccess, "add"), room_access_form(room, user=str(alice.pk))
    )

    assert response.status_code == 302
    assert RoomAccess.objects.get().user == alice


@pytest.mark.parametrize("who", ["both", "neither"])
def test_room_access_needs_exactly_one_of_user_and_group(
    admin_client, alice, team, room, who
):
    values = {"user": str(alice.pk), "group": str(team.pk)} if who == "both" else {}

    response = admin_client.post(
        admin_url(RoomAccess, "add"), room_access_form(room, **values)
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors
    assert not RoomAccess.objects.exists()


def test_room_access_ending_before_it_starts_is_rejected(admin_client, alice, room):
    response = admin_client.post(
        admin_url(RoomAccess, "add"),
        room_access_form(
            room,
            user=str(alice.pk),
            starts_at_0="2030-01-02",
            starts_at_1="10:00:00",
            ends_at_0="2030-01-02",
            ends_at_1="09:00:00",
        ),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not RoomAccess.objects.exists()


def admin_login(client, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": password, "next": "/admin/"},
    )


def test_admin_login_works_with_the_right_password(client, admin_user):
    response = admin_login(client, "password")

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(admin_user.pk)


def test_admin_login_is_throttled_per_address_like_the_api(
    client, admin_user, monkeypatch
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    for _ in range(2):
        assert admin_login(client, "wrong password").status_code == 200

    throttled = admin_login(client, "password")

    assert_login_page_refused(throttled, client, "Too many logins from your address")
    assert client.get("/admin/").status_code == 302


def test_admin_site_keeps_its_header_and_index_for_staff(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert "tokenserver administration" in response.content.decode()


def test_admin_login_locks_out_after_the_failure_limit(client, admin_user, settings):
    settings.TOKENSERVER_LOGIN_FAILURE_LIMIT = 2

    for _ in range(2):
        failed = admin_login(client, "wrong password")
        assert failed.status_code == 200
        assert "Too many failed logins" not in failed.content.decode()

    locked = admin_login(client, "password")

    assert_login_page_refused(locked, client, "Too many failed logins")
    assert client.get("/admin/").status_code == 302


def test_admin_lockout_does_not_stop_another_username_from_elsewhere(
    client, admin_user, charlie, settings
):
    settings.TOKENSERVER_LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        admin_login(client, "wrong password")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "charlie", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.9",
    )

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(charlie.pk)


def test_room_add_page_shows_no_tokens_yet_for_the_new_room(admin_client):
    html = html_of(admin_client.get(admin_url(Room, "add")))

    assert "Latest tokens for this room" in html
    assert '<div class="readonly">—</div>' in html  # a room not saved yet
    assert "No token asked for yet." not in html
