"""Staff pages and actions: effective access, bulk access, audit export, config."""

import csv
import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from tests.conftest import PASSWORD, api_token_for, decode
from tests.helpers import bearer, html_of, logged_in, row_with
from tokens.models import ApiToken, Room, RoomAccess, TokenEvent, User

# --- helpers -----------------------------------------------------------------


def shown(moment) -> str:
    """A datetime as the admin templates render it."""
    return formats.localize(timezone.localtime(moment))


def form_time(moment) -> str:
    """A datetime as a datetime-local input sends it (minutes, UTC here)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def to_minute(moment):
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def assert_sent_to_admin_login(response, path: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert path in response["Location"]


def assert_refused_video(token: str, room: str, *, earlier: int) -> None:
    """/token refuses the room; only the refusal is recorded."""
    response = bearer(token).get("/token", {"room": room})
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "room_not_permitted"
    assert "token" not in body
    assert TokenEvent.objects.count() == earlier + 1
    latest = TokenEvent.objects.order_by("created_at").last()
    assert latest.outcome == "room_not_permitted"
    assert latest.jwt_sha256 == ""


def assert_issued_video(token: str, room: str, identity: str) -> dict:
    response = bearer(token).get("/token", {"room": room})
    assert response.status_code == 200, response.content
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == identity
    assert claims["grants"]["video"] == {"room": room}
    assert claims["iss"] == django_settings.TWILIO["TWILIO_API_KEY"][1]
    assert claims["sub"] == django_settings.TWILIO["TWILIO_ACCOUNT_SID"][1]
    return claims


def changelist(model) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def run_action(client, model, action: str, objects, **data):
    return client.post(
        changelist(model),
        {
            "action": action,
            "index": "0",
            "_selected_action": [obj.pk for obj in objects],
            **data,
        },
    )


def apply_action(client, model, action: str, objects, **data):
    """The second step of an action with an intermediate form."""
    return client.post(
        changelist(model),
        {
            "action": action,
            "apply": "1",
            "_selected_action": [obj.pk for obj in objects],
            **data,
        },
    )


# --- fixtures ----------------------------------------------------------------


@pytest.fixture
def staff(root) -> Client:
    """The superuser, logged in through the admin login form."""
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    return client


@pytest.fixture
def charlie_client(charlie) -> Client:
    return logged_in(charlie)


@pytest.fixture
def bob_client(bob) -> Client:
    return logged_in(bob)


@pytest.fixture
def other_room(db) -> Room:
    return Room.objects.create(name="retro", display_name="Sprint retro")


# --- effective access --------------------------------------------------------


def access_url(user) -> str:
    return f"/admin/tokens/user/{user.pk}/access/"


def test_effective_access_shows_each_grant_with_the_rule_giving_it(staff, alice, team):
    html = html_of(staff.get(access_url(alice)))

    assert "<code>alice</code>" in html
    assert "<td>personal</td>" in row_with(html, "<td>video (listed rooms only)</td>")
    assert "<td>personal, group team</td>" in row_with(html, "<td>chat</td>")
    assert "<td>group team</td>" in row_with(html, "<td>sync</td>")
    assert "<td>voice" not in html


def test_effective_access_of_a_superuser_names_superuser_as_the_rule(staff, root):
    html = html_of(staff.get(access_url(root)))

    for grant in ("video (any room)", "voice", "chat", "sync"):
        assert "<td>superuser</td>" in row_with(html, f"<td>{grant}</td>")


def test_effective_access_of_a_user_without_rules_says_no_grant(staff, bob):
    html = html_of(staff.get(access_url(bob)))

    assert "No grant." in html
    assert "No listed rooms." in html
    assert "none scheduled" in html


def test_effective_access_shows_rooms_with_windows_state_and_next_change(
    staff, alice, team, room, other_room
):
    now = timezone.now()
    open_access = RoomAccess.objects.create(
        room=room, user=alice, ends_at=now + timedelta(hours=5)
    )
    upcoming = RoomAccess.objects.create(
        room=other_room,
        group=team,
        starts_at=now + timedelta(hours=3),
        ends_at=now + timedelta(days=1),
    )
    closed = Room.objects.create(name="archive", active=False)
    RoomAccess.objects.create(
        room=closed, user=alice, starts_at=now + timedelta(hours=1)
    )

    html = html_of(staff.get(access_url(alice)))

    standup = row_with(html, "<code>standup</code>")
    assert "<td>open</td>" in standup
    assert f"<td>{shown(open_access.ends_at)}</td>" in standup
    assert "<td>personal</td>" in standup
    retro = row_with(html, "<code>retro</code>")
    assert "<td>upcoming</td>" in retro
    assert f"<td>{shown(upcoming.starts_at)}</td>" in retro
    assert f"<td>{shown(upcoming.ends_at)}</td>" in retro
    assert "<td>group team</td>" in retro
    assert "<td>inactive</td>" in row_with(html, "<code>archive</code>")
    # The earliest future start or end of an active room: retro opening in 3h
    # (the inactive room's start in 1h does not count).
    next_change = re.search(r"<strong>Next change:</strong> (.*?) \(", html)
    assert next_change
    assert next_change.group(1) == shown(upcoming.starts_at)


def test_user_change_page_links_to_effective_access(staff, alice):
    html = html_of(staff.get(f"/admin/tokens/user/{alice.pk}/change/"))

    assert f'href="{access_url(alice)}"' in html


def test_non_staff_is_sent_to_the_admin_login_from_effective_access(bob_client, alice):
    response = bob_client.get(access_url(alice))

    assert_sent_to_admin_login(response, access_url(alice))


def test_anonymous_is_sent_to_the_admin_login_from_effective_access(client, alice):
    assert_sent_to_admin_login(client.get(access_url(alice)), access_url(alice))


def test_staff_without_permission_to_view_users_is_refused_effective_access(
    charlie_client, alice, alice_in_room
):
    response = charlie_client.get(access_url(alice))

    assert response.status_code in (302, 403), response.status_code
    assert b"standup" not in response.content
    assert b"listed rooms only" not in response.content


# --- room access actions -----------------------------------------------------


def test_grant_room_access_first_shows_the_window_form(staff, alice, bob, room):
    response = run_action(staff, User, "grant_room_access", [alice, bob])

    html = html_of(response)
    assert "admin/tokens/action_form.html" in [t.name for t in response.templates]
    assert "Give room access" in html
    assert "For 2 selected:" in html
    for name in ("room", "starts_at", "ends_at"):
        assert f'name="{name}"' in html
    for user in (alice, bob):
        assert f'name="_selected_action" value="{user.pk}"' in html
    assert '<input type="hidden" name="apply" value="1">' in html
    assert not RoomAccess.objects.exists()


def test_grant_room_access_gives_each_selected_user_the_window(
    staff, alice, bob, charlie, room
):
    starts = to_minute(timezone.now() + timedelta(hours=1))
    ends = starts + timedelta(hours=2)

    response = apply_action(
        staff,
        User,
        "grant_room_access",
        [alice, bob],
        room=room.pk,
        starts_at=form_time(starts),
        ends_at=form_time(ends),
    )

    assert response.status_code == 302
    rows = RoomAccess.objects.order_by("user__username")
    assert [(r.user, r.group, r.room, r.starts_at, r.ends_at) for r in rows] == [
        (alice, None, room, starts, ends),
        (bob, None, room, starts, ends),
    ]
    assert not RoomAccess.objects.filter(user=charlie).exists()


@pytest.mark.usefixtures("rooms_not_enforced")
def test_granted_room_access_lets_the_user_get_a_video_token(staff, alice, room):
    token = api_token_for(alice)
    assert_refused_video(token, "standup", earlier=0)

    response = apply_action(
        staff,
        User,
        "grant_room_access",
        [alice],
        room=room.pk,
        starts_at="",
        ends_at="",
    )

    assert response.status_code == 302
    assert_issued_video(token, "standup", "alice")


@pytest.mark.parametrize(
    ("starts_in", "ends_in", "error"),
    [
        (
            timedelta(hours=2),
            timedelta(hours=1),
            "The window must end after it starts.",
        ),
        (
            timedelta(hours=2),
            timedelta(hours=2),
            "The window must end after it starts.",
        ),
        (None, -timedelta(hours=1), "The window must end in the future."),
        (-timedelta(days=2), -timedelta(days=1), "The window must end in the future."),
    ],
)
def test_grant_room_access_with_an_invalid_window_creates_nothing(
    staff, alice, bob, room, starts_in, ends_in, error
):
    now = to_minute(timezone.now())
    data = {
        "room": room.pk,
        "starts_at": form_time(now + starts_in) if starts_in is not None else "",
        "ends_at": form_time(now + ends_in),
    }

    response = apply_action(staff, User, "grant_room_access", [alice, bob], **data)

    html = html_of(response)
    assert error in html
    assert not RoomAccess.objects.exists()


def test_grant_room_access_to_groups_gives_each_selected_group_the_window(
    staff, team, crew, room
):
    ends = to_minute(timezone.now() + timedelta(days=1))

    first = run_action(staff, Group, "grant_room_access", [team, crew])
    assert "Give room access" in html_of(first)
    response = apply_action(
        staff,
        Group,
        "grant_room_access",
        [team, crew],
        room=room.pk,
        starts_at="",
        ends_at=form_time(ends),
    )

    assert response.status_code == 302
    rows = RoomAccess.objects.order_by("group__name")
    assert [(r.group, r.user, r.room, r.starts_at, r.ends_at) for r in rows] == [
        (crew, None, room, None, ends),
        (team, None, room, None, ends),
    ]


def test_grant_room_access_to_groups_with_an_invalid_window_creates_nothing(
    staff, team, room
):
    now = to_minute(timezone.now())

    response = apply_action(
        staff,
        Group,
        "grant_room_access",
        [team],
        room=room.pk,
        starts_at=form_time(now + timedelta(hours=3)),
        ends_at=form_time(now + timedelta(hours=1)),
    )

    assert "The window must end after it starts." in html_of(response)
    assert not RoomAccess.objects.exists()


def test_revoke_room_access_deletes_only_that_room_for_the_selected_users(
    staff, alice, bob, charlie, room, other_room
):
    for user in (alice, bob, charlie):
        RoomAccess.objects.create(room=room, user=user)
    RoomAccess.objects.create(room=other_room, user=alice)

    first = run_action(staff, User, "revoke_room_access", [alice, bob])
    assert "Revoke room access" in html_of(first)
    assert RoomAccess.objects.count() == 4
    response = apply_action(
        staff, User, "revoke_room_access", [alice, bob], room=room.pk
    )

    assert response.status_code == 302
    left = RoomAccess.objects.order_by("user__username", "room__name")
    assert [(r.user.username, r.room.name) for r in left] == [
        ("alice", "retro"),
        ("charlie", "standup"),
    ]


def test_revoke_room_access_of_a_group_keeps_other_groups_and_users(
    staff, alice, team, crew, room
):
    RoomAccess.objects.create(room=room, group=team)
    RoomAccess.objects.create(room=room, group=crew)
    RoomAccess.objects.create(room=room, user=alice)

    response = apply_action(staff, Group, "revoke_room_access", [team], room=room.pk)

    assert response.status_code == 302
    assert not RoomAccess.objects.filter(group=team).exists()
    assert RoomAccess.objects.filter(group=crew).count() == 1
    assert RoomAccess.objects.filter(user=alice).count() == 1


def test_revoke_api_sessions_deletes_the_selected_users_sessions_only(
    staff, alice, bob, charlie
):
    alice_tokens = [api_token_for(alice, device=d) for d in ("laptop", "phone")]
    bob_token = api_token_for(bob, device="bob-phone")
    charlie_token = api_token_for(charlie, device="charlie-desk")

    response = run_action(staff, User, "revoke_api_sessions", [alice, bob])

    assert response.status_code == 302
    assert list(ApiToken.objects.values_list("device", flat=True)) == ["charlie-desk"]
    for token in (*alice_tokens, bob_token):
        refused = bearer(token).get("/token")
        assert refused.status_code == 401
        assert refused.json()["code"] == "authentication_failed"
        assert "token" not in refused.json()
    assert not TokenEvent.objects.exists()
    me = bearer(charlie_token).get("/api/me/")
    assert me.status_code == 200
    assert me.json()["identity"] == "charlie"


@pytest.mark.usefixtures("rooms_not_enforced")
def test_deactivating_a_room_refuses_the_next_token_and_activating_restores_it(
    staff, alice_in_room
):
    token = api_token_for(alice_in_room.user)
    assert_issued_video(token, "standup", "alice")

    response = run_action(staff, Room, "deactivate_rooms", [alice_in_room.room])

    assert response.status_code == 302
    assert not Room.objects.get(name="standup").active
    assert_refused_video(token, "standup", earlier=1)

    response = run_action(staff, Room, "activate_rooms", [alice_in_room.room])

    assert response.status_code == 302
    assert Room.objects.get(name="standup").active
    assert_issued_video(token, "standup", "alice")


def test_deactivating_one_room_leaves_the_others_active(staff, room, other_room):
    run_action(staff, Room, "deactivate_rooms", [room])

    assert dict(Room.objects.values_list("name", "active")) == {
        "standup": False,
        "retro": True,
    }


# --- end access now ----------------------------------------------------------


@pytest.mark.usefixtures("rooms_not_enforced")
def test_end_access_now_ends_open_rows_drops_future_rows_keeps_ended_rows(
    staff, alice, alice_in_room, other_room
):
    now = timezone.now()
    future = RoomAccess.objects.create(
        room=other_room, user=alice, starts_at=now + timedelta(days=1)
    )
    ended_at = now - timedelta(hours=1)
    ended = RoomAccess.objects.create(
        room=Room.objects.create(name="kickoff"),
        user=alice,
        starts_at=now - timedelta(hours=3),
        ends_at=ended_at,
    )
    token = api_token_for(alice)
    assert_issued_video(token, "standup", "alice")

    before = timezone.now()
    response = run_action(
        staff, RoomAccess, "end_access_now", [alice_in_room, future, ended]
    )
    after = timezone.now()

    assert response.status_code == 302
    alice_in_room.refresh_from_db()
    assert before <= alice_in_room.ends_at <= after
    assert not RoomAccess.objects.filter(pk=future.pk).exists()
    ended.refresh_from_db()
    assert ended.ends_at == ended_at
    assert RoomAccess.objects.count() == 2
    assert_refused_video(token, "standup", earlier=1)


def test_end_access_now_leaves_unselected_rows_alone(staff, alice, bob, alice_in_room):
    bobs = RoomAccess.objects.create(room=alice_in_room.room, user=bob)

    run_action(staff, RoomAccess, "end_access_now", [alice_in_room])

    bobs.refresh_from_db()
    assert bobs.ends_at is None


# --- room change page --------------------------------------------------------


def test_room_change_page_shows_latest_tokens_for_that_room_only(
    staff, alice_in_room, other_room
):
    TokenEvent.objects.create(
        identity="alice", outcome="issued", room="standup", grants="video", ttl=600
    )
    TokenEvent.objects.create(
        identity="erin-refused", outcome="room_not_permitted", room="standup"
    )
    TokenEvent.objects.create(
        identity="frank-elsewhere", outcome="grant_not_permitted", room="retro"
    )

    html = html_of(staff.get(f"/admin/tokens/room/{alice_in_room.room.pk}/change/"))

    assert "latest tokens for this room" in html.lower()
    assert "<td>alice</td><td>issued</td><td>600</td>" in html
    assert "<td>erin-refused</td><td>room_not_permitted</td>" in html
    assert "frank-elsewhere" not in html
    assert "grant_not_permitted" not in html


# --- audit log ---------------------------------------------------------------


@pytest.fixture
def events(db) -> None:
    for identity, grants, outcome in [
        ("ev-video", "video", "issued"),
        ("ev-video-chat", "video,chat", "issued"),
        ("ev-chat-video", "chat,video", "issued"),
        ("ev-chat-video-sync", "chat,video,sync", "room_not_permitted"),
        ("ev-videox", "videox", "issued"),
        ("ev-chat-videox", "chat,videox", "issued"),
        ("ev-chat", "chat", "room_not_permitted"),
        ("ev-none", "", "no_grants"),
    ]:
        TokenEvent.objects.create(identity=identity, grants=grants, outcome=outcome)


def listed_identities(html: str) -> set[str]:
    return set(re.findall(r'class="field-identity"><span[^>]*>([^<]*)<', html))


AUDIT = "/admin/tokens/tokenevent/"


def test_audit_log_grant_filter_matches_whole_grant_names(staff, events):
    html = html_of(staff.get(AUDIT, {"grant": "video"}))

    assert listed_identities(html) == {
        "ev-video",
        "ev-video-chat",
        "ev-chat-video",
        "ev-chat-video-sync",
    }


def test_audit_log_outcome_filter_offers_every_outcome_without_scanning_the_log(
    staff, events
):
    with CaptureQueriesContext(connection) as queries:
        html = html_of(staff.get(AUDIT))

    for code in ("issued", "room_not_permitted", "grant_not_configured", "invalid"):
        assert f'href="?outcome={code}"' in html, code
    assert not [q for q in queries if "DISTINCT" in q["sql"] and "outcome" in q["sql"]]


def test_audit_log_outcome_filter_lists_only_that_outcome(staff, events):
    html = html_of(staff.get(AUDIT, {"outcome": "issued"}))

    assert listed_identities(html) == {
        "ev-video",
        "ev-video-chat",
        "ev-chat-video",
        "ev-videox",
        "ev-chat-videox",
    }


def test_audit_log_has_a_date_hierarchy_and_a_csv_export_link(staff, events):
    html = html_of(staff.get(AUDIT, {"outcome": "issued"}))

    assert '<nav class="toplinks">' in html
    year = str(timezone.localtime().year)
    assert f"created_at__year={year}" in html
    link = re.search(r'<a href="([^"]*)">Export these rows as CSV</a>', html)
    assert link
    assert link.group(1).replace("&amp;", "&") == "export.csv?outcome=issued"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_audit_csv_export_has_a_header_and_only_the_filtered_rows(staff, events):
    response = staff.get(f"{AUDIT}export.csv", {"outcome": "room_not_permitted"})

    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert "attachment" in response["Content-Disposition"]
    assert header[:5] == ["id", "created_at", "user_id", "identity", "outcome"]
    assert header[-1] == "jwt_sha256"
    identities = [row[header.index("identity")] for row in body]
    assert sorted(identities) == ["ev-chat", "ev-chat-video-sync"]
    assert {row[header.index("outcome")] for row in body} == {"room_not_permitted"}


def test_audit_csv_export_follows_the_grant_filter(staff, events):
    rows = read_csv(staff.get(f"{AUDIT}export.csv", {"grant": "video"}))

    identity = rows[0].index("identity")
    assert sorted(row[identity] for row in rows[1:]) == [
        "ev-chat-video",
        "ev-chat-video-sync",
        "ev-video",
        "ev-video-chat",
    ]


@pytest.mark.usefixtures("rooms_not_enforced")
def test_audit_csv_export_holds_the_jwt_hash_never_the_jwt(
    staff, alice_in_room, client_for
):
    response = client_for(alice_in_room.user).get("/token", {"room": "standup"})
    assert response.status_code == 200
    jwt = response.json()["token"]
    decode(jwt)

    rows = read_csv(staff.get(f"{AUDIT}export.csv"))

    header, body = rows[0], rows[1:]
    assert len(body) == 1
    assert [name for name in header if "jwt" in name or "token" in name] == [
        "jwt_sha256"
    ]
    row = dict(zip(header, body[0], strict=True))
    assert row["jwt_sha256"] == hashlib.sha256(jwt.encode()).hexdigest()
    assert row["identity"] == "alice"
    assert row["outcome"] == "issued"
    text = "\n".join(",".join(line) for line in rows)
    assert jwt not in text
    for part in jwt.split("."):
        assert part not in text


def test_non_staff_cannot_download_the_audit_csv(bob_client, events):
    response = bob_client.get(f"{AUDIT}export.csv")

    assert_sent_to_admin_login(response, "export.csv")
    assert response.get("Content-Type", "").split(";")[0] != "text/csv"


def test_anonymous_cannot_download_the_audit_csv(client, events):
    assert_sent_to_admin_login(client.get(f"{AUDIT}export.csv"), "export.csv")


def test_staff_without_permission_to_view_the_audit_log_cannot_download_it(
    charlie_client, events
):
    assert charlie_client.get(AUDIT).status_code == 403

    response = charlie_client.get(f"{AUDIT}export.csv")

    assert response.status_code in (302, 403), response.status_code
    assert response.get("Content-Type", "").split(";")[0] != "text/csv"


# --- configuration page ------------------------------------------------------

CONFIG = "/admin/configuration/"


def config_row(html: str, variable: str) -> str:
    return row_with(html, f"<code>{variable}</code>")


def status_of(html: str, variable: str) -> str:
    match = re.search(
        r"<td>(present|missing|malformed)</td>", config_row(html, variable)
    )
    assert match, config_row(html, variable)
    return match.group(1)


def test_configuration_page_sends_anonymous_to_the_admin_login(client, db):
    assert_sent_to_admin_login(client.get(CONFIG), CONFIG)


def test_configuration_page_refuses_non_staff(bob_client):
    response = bob_client.get(CONFIG)

    assert_sent_to_admin_login(response, CONFIG)
    assert b"TWILIO_ACCOUNT_SID" not in response.content


def test_configuration_page_lists_every_twilio_variable_as_present(staff):
    html = html_of(staff.get(CONFIG))

    for variable in django_settings.TWILIO:
        assert status_of(html, variable) == "present", variable


def test_configuration_page_shows_sids_only_in_part(staff):
    html = html_of(staff.get(CONFIG))

    for variable, (_, value) in django_settings.TWILIO.items():
        if variable == "TWILIO_API_SECRET":
            continue
        assert value not in html, variable
        row = config_row(html, variable)
        assert f"<code>{value[:4]}…{value[-4:]}</code>" in row, row


def test_configuration_page_never_shows_the_api_secret(staff):
    secret = django_settings.TWILIO["TWILIO_API_SECRET"][1]

    html = html_of(staff.get(CONFIG))

    assert secret not in html
    assert secret[:8] not in html
    assert secret[-8:] not in html
    assert "<code>set (hidden)</code>" in config_row(html, "TWILIO_API_SECRET")


def test_configuration_page_marks_a_missing_variable(staff, settings):
    settings.TWILIO = {**settings.TWILIO, "TWILIO_SYNC_SERVICE_SID": None}

    html = html_of(staff.get(CONFIG))

    assert status_of(html, "TWILIO_SYNC_SERVICE_SID") == "missing"
    assert status_of(html, "TWILIO_ACCOUNT_SID") == "present"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TWILIO_ACCOUNT_SID", "ACnot-hex-but-leaky-0123456789abcdefXYZ"),
        ("TWILIO_SYNC_SERVICE_SID", "ISzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
        ("TWILIO_API_SECRET", "leaky Secret Qz7Wv"),
    ],
)
def test_configuration_page_marks_a_malformed_value_without_showing_it(
    staff, settings, variable, value
):
    settings.TWILIO = {**settings.TWILIO, variable: (variable, value)}

    html = html_of(staff.get(CONFIG))

    assert status_of(html, variable) == "malformed"
    assert value not in html
    assert value[:8] not in html
    assert value[-4:] not in html


def test_configuration_page_says_demo_mode_is_off(staff):
    html = html_of(staff.get(CONFIG))

    assert "Demo mode is off." in html
    assert "Demo mode is ON" not in html


def test_configuration_page_says_demo_mode_is_on(staff, settings):
    settings.DEBUG = True
    settings.TOKENSERVER_DEMO = True
    settings.TWILIO = dict.fromkeys(settings.TWILIO)

    html = html_of(staff.get(CONFIG))

    assert "Demo mode is ON" in html
    assert "Demo mode is off." not in html
    assert status_of(html, "TWILIO_ACCOUNT_SID") == "missing"


def test_configuration_page_says_when_demo_mode_is_refused(staff, settings):
    settings.TOKENSERVER_DEMO = True

    html = html_of(staff.get(CONFIG))

    assert "TOKENSERVER_DEMO is set but refused" in html
    assert "Demo mode is ON" not in html


def test_configuration_page_warns_about_a_misnamed_secret_variable(staff, settings):
    settings.TWILIO_MISNAMED = ["TWILIO_SECRET"]

    html = html_of(staff.get(CONFIG))

    assert "<code>TWILIO_SECRET</code> is set but not read" in html


def test_configuration_page_has_no_misnamed_warning_by_default(staff):
    html = html_of(staff.get(CONFIG))

    assert "is set but not read" not in html


def test_admin_index_links_to_the_configuration_page(staff):
    html = html_of(staff.get("/admin/"))

    assert f'<a href="{CONFIG}">Twilio configuration</a>' in html


def rooms_row(html: str, variable: str) -> str:
    section = html.split("Rooms after the token", 1)[1]
    return row_with(section, f"<code>{variable}</code>")


def test_configuration_page_says_rooms_are_followed_without_showing_the_tokens(
    staff,
):
    html = html_of(staff.get(CONFIG))

    assert "Rooms are not enforced" not in html
    assert "/webhooks/twilio/video" in html
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_SECONDARY"):
        assert "<td>present</td>" in rooms_row(html, name)
        assert "set (hidden)" in rooms_row(html, name)
        assert django_settings.__getattr__(name) not in html
    assert "https://tokens.example.com" in rooms_row(html, "TOKENSERVER_PUBLIC_URL")


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "TOKENSERVER_PUBLIC_URL"])
def test_configuration_page_says_rooms_are_not_enforced_without_a_rooms_setting(
    staff, settings, missing
):
    setattr(settings, missing, "")
    settings.TWILIO_AUTH_TOKEN_SECONDARY = ""

    html = html_of(staff.get(CONFIG))

    assert "Rooms are not enforced after the token is issued" in html
    assert "<td>missing</td>" in rooms_row(html, missing)


def test_configuration_page_marks_a_malformed_auth_token_without_showing_it(
    staff, settings
):
    settings.TWILIO_AUTH_TOKEN_SECONDARY = "too short"

    html = html_of(staff.get(CONFIG))

    assert "<td>malformed</td>" in rooms_row(html, "TWILIO_AUTH_TOKEN_SECONDARY")
    assert "too short" not in html


def test_configuration_page_refuses_staff_without_its_permission(charlie_client):
    response = charlie_client.get(CONFIG)
    index = html_of(charlie_client.get("/admin/"))

    assert response.status_code == 403
    assert b"TWILIO_ACCOUNT_SID" not in response.content
    assert "AC" + "a1" * 16 not in response.content.decode()
    assert CONFIG not in index


def test_configuration_page_opens_to_staff_given_its_permission(staff_with):
    client = staff_with("view_twilio_configuration")

    html = html_of(client.get(CONFIG))

    assert status_of(html, "TWILIO_ACCOUNT_SID") == "present"
    assert CONFIG in html_of(client.get("/admin/"))


# --- actions need the rights they exercise ------------------------------------


@pytest.fixture
def viewer(staff_with) -> Client:
    """Staff who may only view users, groups and rooms."""
    return staff_with("view_user", "view_group", "view_room")


@pytest.mark.parametrize(
    ("model", "action"),
    [
        (User, "grant_room_access"),
        (User, "revoke_room_access"),
        (User, "revoke_api_sessions"),
        (Group, "grant_room_access"),
        (Room, "deactivate_rooms"),
    ],
)
def test_staff_who_may_only_view_cannot_run_actions_that_change_access(
    viewer, alice, crew, room, model, action
):
    target = {User: alice, Group: crew, Room: room}[model]
    api_token = api_token_for(alice)
    page = viewer.get(changelist(model)).content.decode()
    assert f'value="{action}"' not in page

    apply_action(viewer, model, action, [target], room=room.pk)

    assert not RoomAccess.objects.exclude(user=None).filter(user=alice).exists()
    assert ApiToken.objects.filter(user=alice).count() == 1
    assert Room.objects.get(pk=room.pk).active
    assert api_token


def test_audit_csv_cells_never_start_a_spreadsheet_formula(staff, alice, client_for):
    client = client_for(alice)
    client.get("/token", HTTP_USER_AGENT='=HYPERLINK("http://evil.example","x")')

    response = staff.get(reverse("admin:tokens_tokenevent_csv"))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    agents = [row[rows[0].index("user_agent")] for row in rows[1:]]
    assert agents == ['\'=HYPERLINK("http://evil.example","x")']


# A spreadsheet in a locale that splits on ';' (or told to split on tabs or
# commas) starts a new cell at each separator: none may start a formula.
@pytest.mark.parametrize(
    ("agent", "written"),
    [
        ("Mozilla;=cmd|' /C calc'!A0;x", "Mozilla;'=cmd|' /C calc'!A0;x"),
        ("a,+1+2", "a,'+1+2"),
        ("a\t@SUM(1)", "a\t'@SUM(1)"),
        ("a; -2+3", "a; '-2+3"),
        ('a;"=1', "a;\"'=1"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"),
    ],
    ids=["semicolon", "comma", "tab", "space", "quote", "harmless"],
)
def test_audit_csv_cells_start_no_formula_after_any_separator(
    staff, alice, client_for, agent, written
):
    client_for(alice).get("/token", HTTP_USER_AGENT=agent)

    response = staff.get(reverse("admin:tokens_tokenevent_csv"))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[rows[0].index("user_agent")] for row in rows[1:]] == [written]
    for separator in ",;\t":
        for part in written.split(separator)[1:]:
            assert not part.lstrip(' "').startswith(("=", "+", "-", "@")), part


def push_table(staff) -> str:
    html = html_of(staff.get(CONFIG))
    return html[html.index('id="push"') :]


def source(variable: str) -> str:
    return f'<code class="push-source">{variable}</code>'


def push_row(html: str, product: str, platform: str) -> str:
    return row_with(html, f"<td>{product}</td><td>{platform}")


def test_configuration_page_lists_each_product_and_platform_push_credential(staff):
    push = push_table(staff)

    row = push_row(push, "voice", "Android (FCM)")
    assert source("TWILIO_VOICE_PUSH_CREDENTIAL_SID_FCM") in row
    assert "<code>CR33…3333</code>" in row
    row = push_row(push, "Conversations", "iOS in development (APNs sandbox)")
    assert source("TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_APNS_SANDBOX") in row
    assert len(re.findall(r"<tr>", push)) == 1 + 6  # header, 2 products x 3


def test_configuration_page_says_which_platforms_fall_back_or_get_no_push(
    staff, settings
):
    settings.TWILIO = {
        **settings.TWILIO,
        "TWILIO_VOICE_PUSH_CREDENTIAL_SID_FCM": None,
        "TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_FCM": None,
    }
    push = push_table(staff)
    assert source("TWILIO_PUSH_CREDENTIAL_SID") in push_row(
        push, "voice", "Android (FCM)"
    )

    settings.TWILIO = {**settings.TWILIO, "TWILIO_PUSH_CREDENTIAL_SID": None}
    push = push_table(staff)
    row = push_row(push, "voice", "Android (FCM)")
    assert "none: tokens carry no push credential" in row
    assert source("TWILIO_VOICE_PUSH_CREDENTIAL_SID_APNS") in push_row(
        push, "voice", "iOS (APNs production)"
    )
