"""Staff pages with partial permissions and odd input: nothing leaks, no 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import html_of
from tokens.models import RoomAccess, TokenEvent, User

AUDIT = "/admin/tokens/tokenevent/"


def room_page(room) -> str:
    return f"/admin/tokens/room/{room.pk}/change/"


def access_page(user) -> str:
    return f"/admin/tokens/user/{user.pk}/access/"


# --- permissions ---------------------------------------------------------------


def test_room_page_shows_audit_rows_only_to_staff_who_may_read_the_audit_log(
    staff_with, room
):
    TokenEvent.objects.create(identity="erin", outcome="issued", room="standup")
    rooms_only = staff_with("view_room")
    assert rooms_only.get(AUDIT).status_code == 403

    html = html_of(rooms_only.get(room_page(room)))

    assert "erin" not in html
    assert "latest tokens" not in html.lower()
    html = html_of(staff_with("view_room", "view_tokenevent").get(room_page(room)))
    assert "<td>erin</td><td>issued</td>" in html


def test_effective_access_needs_permission_to_view_rules_and_room_access(
    staff_with, alice, alice_in_room, team
):
    users_only = staff_with("view_user")

    response = users_only.get(access_page(alice))

    assert response.status_code == 403
    assert b"standup" not in response.content
    assert b"group team" not in response.content
    change_page = html_of(users_only.get(f"/admin/tokens/user/{alice.pk}/change/"))
    assert access_page(alice) not in change_page
    allowed = staff_with("view_user", "view_grantrule", "view_roomaccess")
    html = html_of(allowed.get(access_page(alice)))
    assert "standup" in html
    assert "group team" in html
    change_page = html_of(allowed.get(f"/admin/tokens/user/{alice.pk}/change/"))
    assert access_page(alice) in change_page


def test_room_access_actions_need_permission_to_view_rooms(staff_with, alice, room):
    # Their form lists every room; the room admin refuses such staff.
    blind = staff_with("view_user", "add_roomaccess", "delete_roomaccess")
    page = html_of(blind.get("/admin/tokens/user/"))
    assert 'value="grant_room_access"' not in page
    assert 'value="revoke_room_access"' not in page

    response = blind.post(
        "/admin/tokens/user/",
        {"action": "grant_room_access", "index": "0", "_selected_action": [alice.pk]},
    )

    assert room.name not in html_of(response)
    assert not RoomAccess.objects.exists()
    seeing = staff_with("view_user", "view_room", "add_roomaccess")
    assert 'value="grant_room_access"' in html_of(seeing.get("/admin/tokens/user/"))


def test_action_form_posts_back_the_action_django_ran_not_the_last_one(
    staff, alice, room
):
    # Django runs the `action` its `index` picks; the form posted back the
    # last value, so its second step could run another action.
    response = staff.post(
        "/admin/tokens/user/",
        {
            "action": ["grant_room_access", "revoke_api_sessions"],
            "index": "0",
            "_selected_action": [alice.pk],
        },
    )

    html = html_of(response)
    assert "Give room access" in html
    assert 'name="action" value="grant_room_access"' in html


# --- odd input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "foo=bar",
        "created_at__gte=bad",
        "created_at__year=abc",
        "created_at__year=9999",
        "created_at__year=9999&created_at__month=12",
        "created_at__year=2026&created_at__month=13",
    ],
)
def test_audit_csv_with_filters_the_log_refuses_answers_400(staff, query):
    response = staff.get(f"{AUDIT}export.csv?{query}")

    assert response.status_code == 400
    assert b"not valid" in response.content


@pytest.mark.parametrize(
    "query", ["created_at__year=9999", "created_at__year=9999&created_at__month=12"]
)
def test_audit_log_drill_down_past_year_9999_is_a_bad_filter_not_a_500(staff, query):
    response = staff.get(f"{AUDIT}?{query}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("value", ["%00", "no-such-outcome", "x" * 300])
def test_audit_log_outcome_filter_with_an_unknown_value_lists_nothing(staff, value):
    TokenEvent.objects.create(identity="erin", outcome="issued")

    response = staff.get(f"{AUDIT}?outcome={value}")

    assert response.status_code == 200
    assert "erin" not in html_of(response)


@pytest.mark.parametrize("object_id", ["abc", "%C2%B2", "%D9%A3", "1.0", "-1"])
def test_effective_access_of_an_id_that_is_not_ascii_digits_is_404(
    staff, alice, object_id
):
    # "²" and "٣" are digits to str.isdigit() but not to int() or the database.
    response = staff.get(f"/admin/tokens/user/{object_id}/access/")

    assert response.status_code == 404


# --- queries ---------------------------------------------------------------------


def change_page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_room_page_reads_each_access_row_with_its_user(staff, room):
    def add_members(count: int) -> None:
        start = User.objects.count()
        for n in range(start, start + count):
            user = User.objects.create_user(f"member{n}")
            RoomAccess.objects.create(room=room, user=user)

    add_members(3)
    few = change_page_queries(staff, room_page(room))
    add_members(9)
    many = change_page_queries(staff, room_page(room))

    # Only Django's autocomplete widget reads each row's user again (its
    # label); the rows' own labels come with them (3 queries a row before).
    assert many - few <= 9
